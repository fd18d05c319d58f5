//! The device layer: what the backend asks of the kernel, as the [`Device`] and
//! [`ChannelDevice`] traits, and [`SysDevice`], their implementation over `/dev/dahdi/ctl`,
//! `/dev/dahdi/channel` and the ioctls of [`super::sys`].
//!
//! Everything above these traits ([`super::DahdiSpan`], discovery) runs and is tested on
//! machines without DAHDI, against a recorded kernel (tests/dahdi_span.rs); [`SysDevice`]
//! itself needs the DAHDI modules and a card (docs/dahdi.md says what has run where).
#![forbid(unsafe_code)]

use core::ffi::c_int;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;

use super::DahdiError;
use super::sys::{self, DahdiBufferInfo, DahdiMaintInfo, DahdiParams, DahdiSpanInfo};

/// Where the DAHDI device nodes are: `/dev/dahdi` unless a test points elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRoot(PathBuf);

impl Default for DeviceRoot {
    fn default() -> Self {
        Self(PathBuf::from("/dev/dahdi"))
    }
}

impl DeviceRoot {
    /// Device nodes under `dir` instead of `/dev/dahdi`.
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self(dir.into())
    }

    /// The directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The control device (`ctl`): span status, channel parameters, maintenance.
    #[must_use]
    pub fn ctl(&self) -> PathBuf {
        self.0.join("ctl")
    }

    /// The clone device (`channel`), bound to one channel by `DAHDI_SPECIFY` after opening.
    #[must_use]
    pub fn channel(&self) -> PathBuf {
        self.0.join("channel")
    }
}

/// The control side of DAHDI (`/dev/dahdi/ctl`). Errors are the kernel's errno as
/// [`io::Error`].
pub trait Device {
    /// One opened, bound channel.
    type Channel: ChannelDevice;

    /// `DAHDI_SPANSTAT` for span `span`.
    ///
    /// # Errors
    /// `EINVAL` when there is no such span.
    fn spanstat(&self, span: u32) -> io::Result<DahdiSpanInfo>;

    /// `DAHDI_GET_PARAMS` for channel `channo`.
    ///
    /// # Errors
    /// `EINVAL`/`ENXIO` when there is no such channel.
    fn params(&self, channo: u32) -> io::Result<DahdiParams>;

    /// `DAHDI_MAINT` `command` on span `span`.
    ///
    /// # Errors
    /// `ENOSYS`/`EINVAL` when the card does not do it.
    fn maint(&self, span: u32, command: c_int) -> io::Result<()>;

    /// Opens the channel device non-blocking and binds it to `channo` (`DAHDI_SPECIFY`).
    ///
    /// # Errors
    /// Open failure, `EBUSY` (already open elsewhere), no such channel.
    fn open_channel(&self, channo: u32) -> io::Result<Self::Channel>;
}

/// One bound channel: a non-blocking descriptor (`WouldBlock` when nothing is ready; errno
/// [`sys::DAHDI_ELAST`] when an event waits).
pub trait ChannelDevice {
    /// `DAHDI_SET_BLOCKSIZE`.
    ///
    /// # Errors
    /// The ioctl's errno.
    fn set_blocksize(&mut self, size: c_int) -> io::Result<()>;

    /// `DAHDI_SET_BUFINFO`.
    ///
    /// # Errors
    /// The ioctl's errno.
    fn set_bufinfo(&mut self, info: &DahdiBufferInfo) -> io::Result<()>;

    /// One `read`: a block on a B-channel, a frame plus 2 FCS bytes on a D-channel.
    ///
    /// # Errors
    /// `WouldBlock`, errno `ELAST` (event waiting), I/O.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>;

    /// One `write`.
    ///
    /// # Errors
    /// `WouldBlock` (buffers full), errno `ELAST` (event waiting), I/O.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize>;

    /// `DAHDI_GETEVENT`: next event code, 0 when none.
    ///
    /// # Errors
    /// The ioctl's errno.
    fn event(&mut self) -> io::Result<c_int>;

    /// `DAHDI_GETRXBITS`.
    ///
    /// # Errors
    /// The ioctl's errno (not a CAS channel).
    fn rx_bits(&self) -> io::Result<c_int>;

    /// `DAHDI_SETTXBITS`.
    ///
    /// # Errors
    /// The ioctl's errno (not a CAS channel).
    fn set_tx_bits(&mut self, bits: c_int) -> io::Result<()>;

    /// `DAHDI_BUFFER_EVENTS`: turns the `READ_OVERRUN`/`WRITE_UNDERRUN` events on or off.
    /// The default does nothing (a device without such events).
    ///
    /// # Errors
    /// The ioctl's errno (`ENOTTY` on kernels older than DAHDI 2.5).
    fn set_buffer_events(&mut self, on: bool) -> io::Result<()> {
        let _ = on;
        Ok(())
    }

    // Analog channels (FXS/FXO ports). The defaults answer `ENOTTY`, as the kernel does for
    // a request a channel does not know.

    /// `DAHDI_CHANNO`: the channel number the descriptor is bound to.
    ///
    /// # Errors
    /// The ioctl's errno.
    fn channo(&self) -> io::Result<c_int> {
        Err(enotty())
    }

    /// `DAHDI_GET_PARAMS` for the bound channel (`channo` 0).
    ///
    /// # Errors
    /// The ioctl's errno.
    fn params(&self) -> io::Result<DahdiParams> {
        Err(enotty())
    }

    /// `DAHDI_SET_PARAMS` for the bound channel: its timers.
    ///
    /// # Errors
    /// The ioctl's errno.
    fn set_params(&mut self, params: &DahdiParams) -> io::Result<()> {
        let _ = params;
        Err(enotty())
    }

    /// `DAHDI_HOOK` with a `DAHDI_ONHOOK` .. `DAHDI_RINGOFF` command.
    ///
    /// # Errors
    /// The ioctl's errno (`EINPROGRESS`, `EINVAL`, `EBUSY`).
    fn hook(&mut self, command: c_int) -> io::Result<()> {
        let _ = command;
        Err(enotty())
    }

    /// `DAHDI_SETPOLARITY`: 0 forward, 1 reversed.
    ///
    /// # Errors
    /// The ioctl's errno.
    fn set_polarity(&mut self, reversed: c_int) -> io::Result<()> {
        let _ = reversed;
        Err(enotty())
    }

    /// `DAHDI_ONHOOKTRANSFER` for `ms` milliseconds.
    ///
    /// # Errors
    /// The ioctl's errno.
    fn onhook_transfer(&mut self, ms: c_int) -> io::Result<()> {
        let _ = ms;
        Err(enotty())
    }
}

/// `ENOTTY`: the request is not one the device knows.
fn enotty() -> io::Error {
    io::Error::from_raw_os_error(25)
}

fn to_int(n: u32) -> io::Result<c_int> {
    c_int::try_from(n).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// The real kernel: `/dev/dahdi/ctl` kept open, channels opened on `/dev/dahdi/channel`.
#[derive(Debug)]
pub struct SysDevice {
    root: DeviceRoot,
    ctl: File,
}

impl SysDevice {
    /// Opens `root`'s control device.
    ///
    /// # Errors
    /// [`DahdiError::Open`] naming the path (DAHDI not loaded, no permission).
    pub fn open(root: &DeviceRoot) -> Result<Self, DahdiError> {
        let path = root.ctl();
        let ctl = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|source| DahdiError::Open { path, source })?;
        Ok(Self {
            root: root.clone(),
            ctl,
        })
    }

    /// The device directory.
    #[must_use]
    pub fn root(&self) -> &DeviceRoot {
        &self.root
    }
}

impl Device for SysDevice {
    type Channel = SysChannel;

    fn spanstat(&self, span: u32) -> io::Result<DahdiSpanInfo> {
        let mut info = DahdiSpanInfo::for_span(to_int(span)?);
        sys::spanstat(self.ctl.as_fd(), &mut info)?;
        Ok(info)
    }

    fn params(&self, channo: u32) -> io::Result<DahdiParams> {
        let mut params = DahdiParams::for_channel(to_int(channo)?);
        sys::get_params(self.ctl.as_fd(), &mut params)?;
        Ok(params)
    }

    fn maint(&self, span: u32, command: c_int) -> io::Result<()> {
        let info = DahdiMaintInfo {
            spanno: to_int(span)?,
            command,
        };
        Ok(sys::maint(self.ctl.as_fd(), &info)?)
    }

    fn open_channel(&self, channo: u32) -> io::Result<SysChannel> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(OFlag::O_NONBLOCK.bits())
            .open(self.root.channel())?;
        sys::specify(file.as_fd(), to_int(channo)?)?;
        Ok(SysChannel { file })
    }
}

/// A real channel descriptor.
#[derive(Debug)]
pub struct SysChannel {
    file: File,
}

impl AsFd for SysChannel {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

impl ChannelDevice for SysChannel {
    fn set_blocksize(&mut self, size: c_int) -> io::Result<()> {
        Ok(sys::set_blocksize(self.file.as_fd(), size)?)
    }

    fn set_bufinfo(&mut self, info: &DahdiBufferInfo) -> io::Result<()> {
        Ok(sys::set_bufinfo(self.file.as_fd(), info)?)
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file.read(buf)
    }

    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn event(&mut self) -> io::Result<c_int> {
        Ok(sys::getevent(self.file.as_fd())?)
    }

    fn rx_bits(&self) -> io::Result<c_int> {
        Ok(sys::getrxbits(self.file.as_fd())?)
    }

    fn set_tx_bits(&mut self, bits: c_int) -> io::Result<()> {
        Ok(sys::settxbits(self.file.as_fd(), bits)?)
    }

    fn set_buffer_events(&mut self, on: bool) -> io::Result<()> {
        Ok(sys::buffer_events(self.file.as_fd(), c_int::from(on))?)
    }

    fn channo(&self) -> io::Result<c_int> {
        Ok(sys::channo(self.file.as_fd())?)
    }

    fn params(&self) -> io::Result<DahdiParams> {
        let mut params = DahdiParams::for_channel(0);
        sys::get_params(self.file.as_fd(), &mut params)?;
        Ok(params)
    }

    fn set_params(&mut self, params: &DahdiParams) -> io::Result<()> {
        Ok(sys::set_params(self.file.as_fd(), params)?)
    }

    fn hook(&mut self, command: c_int) -> io::Result<()> {
        Ok(sys::hook(self.file.as_fd(), command)?)
    }

    fn set_polarity(&mut self, reversed: c_int) -> io::Result<()> {
        Ok(sys::setpolarity(self.file.as_fd(), reversed)?)
    }

    fn onhook_transfer(&mut self, ms: c_int) -> io::Result<()> {
        Ok(sys::onhooktransfer(self.file.as_fd(), ms)?)
    }
}
