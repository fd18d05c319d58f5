//! `appliance-console`: the technician's console on a serial port (see the crate docs and
//! docs/console.md). Also `appliance-console technician add|password|remove|list` to manage
//! technician accounts from a root shell or the image build (password read from stdin).

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use console::session::{Config, Session, StreamSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_serial::{DataBits, FlowControl, Parity, SerialPortBuilderExt, SerialStream, StopBits};

/// The technician's serial console.
#[derive(Debug, Parser)]
#[command(name = "appliance-console", version, about)]
struct Args {
    /// Serial device (a pty slave works too).
    #[arg(long, value_name = "PATH", default_value = "/dev/ttyS0")]
    device: PathBuf,
    /// Baud rate (8 data bits, no parity, 1 stop bit, no flow control).
    #[arg(long, default_value_t = 115_200)]
    baud: u32,
    /// The daemon's data directory (holds appliance.db).
    #[arg(long, value_name = "DIR", default_value = "/data/appliance")]
    data_dir: PathBuf,
    /// Root of the files the console reads and writes: etc/systemd/network,
    /// etc/systemd/timesyncd.conf.d, data/firmware/slots, etc/appliance-version.
    #[arg(long, value_name = "DIR", default_value = "/")]
    root: PathBuf,
    /// The daemon's HTTP address (its --http).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    daemon: SocketAddr,
    /// networkd Name= pattern of the management interface.
    #[arg(long, default_value = "en* eth*")]
    iface: String,
    /// Read the daemon's log from this file (tail) instead of the journal.
    #[arg(long, value_name = "PATH")]
    log_file: Option<PathBuf>,
    /// The daemon's systemd unit (journalctl -u).
    #[arg(long, default_value = "appliance.service")]
    log_unit: String,
    /// Log a technician out after this many seconds without input (0 = never).
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    idle_logout_secs: u64,
    /// Really run systemctl reboot, networkctl reload, timedatectl; without it they are
    /// printed, not run (dry run).
    #[arg(long)]
    system_actions: bool,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Manage technician accounts (no serial port is opened).
    Technician {
        #[command(subcommand)]
        what: Tech,
    },
}

#[derive(Debug, Subcommand)]
enum Tech {
    /// Add an account; the password is the first line of stdin.
    Add { name: String },
    /// Set an account's password (first line of stdin) and unlock it.
    Password { name: String },
    /// Remove an account.
    Remove { name: String },
    /// List the accounts.
    List,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let r = match &args.cmd {
        Some(Cmd::Technician { what }) => technician(&args, what),
        None => serve(&args),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("appliance-console: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn technician(args: &Args, what: &Tech) -> Result<()> {
    let path = args.data_dir.join("appliance.db");
    let mut store =
        store::Store::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let password = || -> Result<String> {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let p = line.trim_end_matches(['\r', '\n']).to_owned();
        if p.is_empty() {
            bail!("no password on stdin");
        }
        Ok(p)
    };
    match what {
        Tech::Add { name } => store.create_technician(name, &password()?)?,
        Tech::Password { name } => store.set_technician_password(name, &password()?)?,
        Tech::Remove { name } => {
            if !store.delete_technician(name)? {
                bail!("no technician {name}");
            }
        }
        Tech::List => {
            for t in store.technicians()? {
                println!("{}\tfailed={}", t.username, t.failed_logins);
            }
        }
    }
    Ok(())
}

fn serve(args: &Args) -> Result<()> {
    let cfg = Config {
        data_dir: args.data_dir.clone(),
        root: args.root.clone(),
        daemon: args.daemon,
        iface: args.iface.clone(),
        log_file: args.log_file.clone(),
        log_unit: args.log_unit.clone(),
        system_actions: args.system_actions,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    rt.block_on(async {
        let device = args.device.to_string_lossy().into_owned();
        let mut port = tokio_serial::new(&device, args.baud)
            .data_bits(DataBits::Eight)
            .parity(Parity::None)
            .stop_bits(StopBits::One)
            .flow_control(FlowControl::None)
            .open_native_async()
            .with_context(|| format!("opening serial port {device}"))?;
        eprintln!("appliance-console: on {device} at {} 8N1", args.baud);
        let idle = (args.idle_logout_secs > 0).then(|| Duration::from_secs(args.idle_logout_secs));
        loop {
            session(&mut port, cfg.clone(), idle).await?;
        }
    })
}

async fn flush(port: &mut SerialStream, s: &mut Session) -> Result<()> {
    while let Some(out) = s.poll_transmit() {
        port.write_all(&out)
            .await
            .context("writing to the serial port")?;
    }
    Ok(())
}

/// One session, from the login prompt to logout.
async fn session(port: &mut SerialStream, cfg: Config, idle: Option<Duration>) -> Result<()> {
    let mut s = Session::new(cfg);
    let mut buf = [0u8; 256];
    loop {
        flush(port, &mut s).await?;
        if s.closed() {
            return Ok(());
        }
        let read = port.read(&mut buf);
        let n = match idle {
            Some(limit) if s.logged_in() => match tokio::time::timeout(limit, read).await {
                Ok(r) => r,
                Err(_) => {
                    s.idle_timeout();
                    continue;
                }
            },
            _ => read.await,
        }
        .context("reading the serial port")?;
        if n == 0 {
            // A pty whose other end closed reads 0: wait for it to come back.
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        s.handle_input(&buf[..n]);
        flush(port, &mut s).await?;
        if let Some(spec) = s.take_stream() {
            let note = stream(port, &spec).await?;
            s.stream_done(&note);
        }
    }
}

/// Copies a program's output (stdout and stderr) to the port until it exits or the
/// technician types Ctrl-C. Returns a note for the terminal.
async fn stream(port: &mut SerialStream, spec: &StreamSpec) -> Result<String> {
    let child = tokio::process::Command::new(&spec.program)
        .args(&spec.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return Ok(format!("cannot run {}: {e}\n", spec.program)),
    };
    let (Some(mut out), Some(mut err)) = (child.stdout.take(), child.stderr.take()) else {
        return Ok(String::new());
    };
    let (mut obuf, mut ebuf, mut ibuf) = ([0u8; 1024], [0u8; 1024], [0u8; 64]);
    let (mut out_open, mut err_open) = (true, true);
    let crlf = |b: &[u8]| {
        let mut v = Vec::with_capacity(b.len() + 8);
        for &c in b {
            if c == b'\n' {
                v.push(b'\r');
            }
            v.push(c);
        }
        v
    };
    while out_open || err_open {
        tokio::select! {
            r = out.read(&mut obuf), if out_open => match r {
                Ok(0) | Err(_) => out_open = false,
                Ok(n) => port.write_all(&crlf(&obuf[..n])).await?,
            },
            r = err.read(&mut ebuf), if err_open => match r {
                Ok(0) | Err(_) => err_open = false,
                Ok(n) => port.write_all(&crlf(&ebuf[..n])).await?,
            },
            r = port.read(&mut ibuf) => {
                let n = r.context("reading the serial port")?;
                if ibuf[..n].contains(&0x03) {
                    let _ = child.kill().await;
                    return Ok("^C\n".into());
                }
            }
        }
    }
    let status = child.wait().await?;
    Ok(if status.success() {
        String::new()
    } else {
        format!("({} exited with {status})\n", spec.program)
    })
}
