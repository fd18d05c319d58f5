//! Prompt catalogue (prompt id → WAV file per language) and a WAV loader that accepts only
//! what the media path plays without conversion: 8 kHz, mono, 16-bit PCM or 8-bit A-law.
//!
//! Layout on disk: `<root>/<language>/<prompt-id>.wav`, e.g. `prompts/zh/welcome.wav`.
//! This module reads files; the engine never does (the host loads prompts once at start-up).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::PromptError;
use crate::flow::Language;
use crate::validate::PromptSet;

/// The default prompt texts, one `id<TAB>English<TAB>Mandarin` line each: the single source
/// for scripts/make-prompts.sh (which speaks them with espeak-ng) and for
/// [`default_prompt_texts`].
pub const DEFAULT_PROMPTS_TSV: &str = include_str!("../prompts/default-prompts.tsv");

/// Every default prompt as `(id, English text, Mandarin text)`.
#[must_use]
pub fn default_prompt_texts() -> Vec<(&'static str, &'static str, &'static str)> {
    DEFAULT_PROMPTS_TSV
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut it = l.split('\t');
            Some((it.next()?, it.next()?, it.next()?))
        })
        .collect()
}

/// Audio of one prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PromptAudio {
    /// 16-bit linear PCM samples.
    Linear(Vec<i16>),
    /// G.711 A-law bytes.
    ALaw(Vec<u8>),
}

impl PromptAudio {
    /// Length in samples (8 kHz).
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Self::Linear(s) => s.len(),
            Self::ALaw(s) => s.len(),
        }
    }
    /// Whether silent/empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn u16le(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32le(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Parses WAV bytes (never panics). `path` only names the file in errors.
///
/// # Errors
/// [`PromptError`] saying what is wrong and how to convert it.
pub fn parse_wav(bytes: &[u8], path: &Path) -> Result<PromptAudio, PromptError> {
    let not_wav = || PromptError::NotWav {
        path: path.to_owned(),
    };
    if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return Err(not_wav());
    }
    let mut at = 12usize;
    let mut fmt: Option<(u16, u16, u32, u16)> = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len =
            usize::try_from(u32le(bytes, at + 4).ok_or_else(not_wav)?).map_err(|_| not_wav())?;
        let body = bytes
            .get(at + 8..at.saturating_add(8).saturating_add(len))
            .ok_or_else(not_wav)?;
        if id == b"fmt " {
            let tag = u16le(body, 0).ok_or_else(not_wav)?;
            let ch = u16le(body, 2).ok_or_else(not_wav)?;
            let rate = u32le(body, 4).ok_or_else(not_wav)?;
            let bits = u16le(body, 14).ok_or_else(not_wav)?;
            // WAVE_FORMAT_EXTENSIBLE: the real tag is the first 2 bytes of the sub-format GUID.
            let tag = if tag == 0xFFFE {
                u16le(body, 24).ok_or_else(not_wav)?
            } else {
                tag
            };
            fmt = Some((tag, ch, rate, bits));
        } else if id == b"data" {
            let (tag, ch, rate, bits) = fmt.ok_or_else(not_wav)?;
            if rate != 8000 {
                return Err(PromptError::Rate {
                    path: path.to_owned(),
                    rate,
                });
            }
            if ch != 1 {
                return Err(PromptError::Channels {
                    path: path.to_owned(),
                    channels: ch,
                });
            }
            return match (tag, bits) {
                (1, 16) => Ok(PromptAudio::Linear(
                    body.chunks_exact(2)
                        .map(|c| i16::from_le_bytes([c[0], c[1]]))
                        .collect(),
                )),
                (6, 8) => Ok(PromptAudio::ALaw(body.to_vec())),
                _ => Err(PromptError::Format {
                    path: path.to_owned(),
                    format: tag,
                    bits,
                }),
            };
        }
        at = at
            .saturating_add(8)
            .saturating_add(len)
            .saturating_add(len & 1);
    }
    Err(not_wav())
}

/// Reads and checks one WAV file.
///
/// # Errors
/// [`PromptError`].
pub fn load_wav(path: &Path) -> Result<PromptAudio, PromptError> {
    let bytes = std::fs::read(path).map_err(|source| PromptError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_wav(&bytes, path)
}

/// Prompt id → file, per language.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    root: PathBuf,
    files: BTreeMap<(String, Language), PathBuf>,
}

impl Catalogue {
    /// Scans `<root>/<lang>/*.wav` for every language (missing language directories are
    /// empty). Files are not opened; [`Catalogue::load_all`] checks them.
    ///
    /// # Errors
    /// [`PromptError::Io`] when a directory exists but cannot be read.
    pub fn scan(root: &Path) -> Result<Self, PromptError> {
        let mut files = BTreeMap::new();
        for lang in Language::ALL {
            let dir = root.join(lang.code());
            let rd = match std::fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(PromptError::Io { path: dir, source }),
            };
            for e in rd {
                let e = e.map_err(|source| PromptError::Io {
                    path: dir.clone(),
                    source,
                })?;
                let p = e.path();
                if p.extension().and_then(|x| x.to_str()) == Some("wav")
                    && let Some(stem) = p.file_stem().and_then(|s| s.to_str())
                {
                    files.insert((stem.to_owned(), lang), p.clone());
                }
            }
        }
        Ok(Self {
            root: root.to_owned(),
            files,
        })
    }

    /// The file of a prompt.
    #[must_use]
    pub fn path(&self, prompt: &str, lang: Language) -> Option<&Path> {
        self.files
            .get(&(prompt.to_owned(), lang))
            .map(PathBuf::as_path)
    }

    /// Number of (prompt, language) entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Fails with [`PromptError::Missing`] for the first of `ids` without a file in `lang`.
    ///
    /// # Errors
    /// [`PromptError::Missing`].
    pub fn require<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
        lang: Language,
    ) -> Result<(), PromptError> {
        for id in ids {
            if !self.has(id, lang) {
                return Err(PromptError::Missing {
                    dir: self.root.clone(),
                    prompt: id.to_owned(),
                    language: lang.code(),
                });
            }
        }
        Ok(())
    }

    /// Loads and checks every file.
    ///
    /// # Errors
    /// The first [`PromptError`].
    pub fn load_all(&self) -> Result<BTreeMap<(String, Language), PromptAudio>, PromptError> {
        self.files
            .iter()
            .map(|(k, p)| Ok((k.clone(), load_wav(p)?)))
            .collect()
    }
}

impl PromptSet for Catalogue {
    fn has(&self, prompt: &str, lang: Language) -> bool {
        self.files.contains_key(&(prompt.to_owned(), lang))
    }
}
