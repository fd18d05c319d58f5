//! The command tree as data: one table of [`Entry`]s (keywords, argument usage, help text,
//! handler). Dispatch ([`resolve`]), Tab completion ([`Table::complete`]) and `?` help
//! ([`help`]) all read the same table, so they cannot disagree.
//!
//! Keywords may be shortened to any unique prefix (`sh sy` = `show system`); an exact word
//! wins over a longer one it prefixes (`show span 1` is not ambiguous with `show spans`).

use crate::editor::Complete;

/// One command.
#[derive(Debug)]
pub struct Entry<H: 'static> {
    /// Its keywords, in order.
    pub words: &'static [&'static str],
    /// Usage of the arguments after the keywords (`<N>`, `[USER]`), empty when none.
    pub args: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// What runs it.
    pub handler: H,
}

impl<H> Entry<H> {
    /// `show span <N>`.
    #[must_use]
    pub fn usage(&self) -> String {
        let mut s = self.words.join(" ");
        if !self.args.is_empty() {
            s.push(' ');
            s.push_str(self.args);
        }
        s
    }
}

/// Why a line does not name a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// A word that starts no command here.
    #[error("unknown command word \"{0}\" (type ? for help)")]
    Unknown(String),
    /// A shortened word that fits several.
    #[error("ambiguous command word \"{word}\": {}", candidates.join(", "))]
    Ambiguous {
        /// What was typed.
        word: String,
        /// What it could be.
        candidates: Vec<&'static str>,
    },
    /// The keywords stop before a command is complete.
    #[error("incomplete command; next: {}", next.join(", "))]
    Incomplete {
        /// Keywords that may follow.
        next: Vec<&'static str>,
    },
}

/// A table of commands.
#[derive(Debug)]
pub struct Table<H: 'static>(pub &'static [Entry<H>]);

/// How far the keywords of a line reach into the table: the entries still matching.
struct Walk<'t, H: 'static> {
    cands: Vec<&'t Entry<H>>,
}

fn next_words<H>(cands: &[&Entry<H>], depth: usize) -> Vec<&'static str> {
    let mut w: Vec<&'static str> = cands
        .iter()
        .filter_map(|e| e.words.get(depth).copied())
        .collect();
    w.sort_unstable();
    w.dedup();
    w
}

impl<H> Table<H> {
    fn walk<'t>(&'t self, tokens: &[&str]) -> Result<(Walk<'t, H>, usize), ResolveError> {
        let mut cands: Vec<&Entry<H>> = self.0.iter().collect();
        let mut depth = 0;
        for tok in tokens {
            let words = next_words(&cands, depth);
            let lower = tok.to_ascii_lowercase();
            let pick = if words.contains(&lower.as_str()) {
                Some(lower.as_str().to_owned())
            } else {
                let pre: Vec<&'static str> = words
                    .iter()
                    .copied()
                    .filter(|w| w.starts_with(lower.as_str()))
                    .collect();
                match pre.as_slice() {
                    [] => None,
                    [one] => Some((*one).to_owned()),
                    many => {
                        return Err(ResolveError::Ambiguous {
                            word: (*tok).to_owned(),
                            candidates: many.to_vec(),
                        });
                    }
                }
            };
            let Some(word) = pick else {
                if cands.iter().any(|e| e.words.len() == depth) {
                    break;
                }
                return Err(ResolveError::Unknown((*tok).to_owned()));
            };
            cands.retain(|e| e.words.get(depth) == Some(&word.as_str()));
            depth += 1;
        }
        Ok((Walk { cands }, depth))
    }

    /// The command a line names and its arguments (the words after its keywords).
    ///
    /// # Errors
    /// [`ResolveError`] saying what is wrong with the keywords.
    pub fn resolve<'l>(&self, line: &'l str) -> Result<(&Entry<H>, Vec<&'l str>), ResolveError> {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let (walk, depth) = self.walk(&tokens)?;
        match walk.cands.iter().find(|e| e.words.len() == depth) {
            Some(e) => Ok((e, tokens[depth..].to_vec())),
            None => Err(ResolveError::Incomplete {
                next: next_words(&walk.cands, depth),
            }),
        }
    }

    /// Commands matching what is left of the cursor, for `?` help: those whose keywords
    /// start with the typed words (the last one may be partial).
    #[must_use]
    pub fn matching(&self, before_cursor: &str) -> Vec<&Entry<H>> {
        let mut tokens: Vec<&str> = before_cursor.split_whitespace().collect();
        let partial = if before_cursor.ends_with(char::is_whitespace) || tokens.is_empty() {
            ""
        } else {
            tokens.pop().unwrap_or("")
        };
        let Ok((walk, depth)) = self.walk(&tokens) else {
            return Vec::new();
        };
        if depth < tokens.len() {
            // Inside the arguments: the command itself.
            return walk
                .cands
                .into_iter()
                .filter(|e| e.words.len() == depth)
                .collect();
        }
        walk.cands
            .into_iter()
            .filter(|e| {
                e.words.get(depth).map_or(partial.is_empty(), |w| {
                    w.starts_with(&partial.to_ascii_lowercase())
                })
            })
            .collect()
    }
}

impl<H> Complete for Table<H> {
    fn complete(&self, before_cursor: &str) -> Vec<String> {
        let mut tokens: Vec<&str> = before_cursor.split_whitespace().collect();
        let partial = if before_cursor.ends_with(char::is_whitespace) || tokens.is_empty() {
            ""
        } else {
            tokens.pop().unwrap_or("")
        };
        let Ok((walk, depth)) = self.walk(&tokens) else {
            return Vec::new();
        };
        if depth < tokens.len() {
            return Vec::new();
        }
        next_words(&walk.cands, depth)
            .into_iter()
            .filter(|w| w.starts_with(partial))
            .map(str::to_owned)
            .collect()
    }
}

/// The help text for `?` after `before_cursor`: one line per matching command, usage then
/// help, and `<cr>` when the line is already a complete command.
#[must_use]
pub fn help<H>(table: &Table<H>, before_cursor: &str) -> String {
    let entries = table.matching(before_cursor);
    if entries.is_empty() {
        return "  (no command starts like this)\r\n".to_owned();
    }
    let width = entries.iter().map(|e| e.usage().len()).max().unwrap_or(0);
    let mut out = String::new();
    for e in entries {
        out.push_str(&format!("  {:<width$}  {}\r\n", e.usage(), e.help));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    static T: Table<u8> = Table(&[
        Entry {
            words: &["show", "system"],
            args: "",
            help: "sys",
            handler: 1,
        },
        Entry {
            words: &["show", "spans"],
            args: "",
            help: "all",
            handler: 2,
        },
        Entry {
            words: &["show", "span"],
            args: "<N>",
            help: "one",
            handler: 3,
        },
        Entry {
            words: &["show", "logs"],
            args: "",
            help: "logs",
            handler: 4,
        },
        Entry {
            words: &["show", "logs", "follow"],
            args: "",
            help: "follow",
            handler: 5,
        },
        Entry {
            words: &["ping"],
            args: "<HOST>",
            help: "ping",
            handler: 6,
        },
    ]);

    fn run(line: &str) -> Result<(u8, Vec<&str>), ResolveError> {
        T.resolve(line).map(|(e, a)| (e.handler, a))
    }

    #[test]
    fn exact_words_prefixes_and_arguments() {
        assert_eq!(run("show system"), Ok((1, vec![])));
        assert_eq!(run("  SH  sy "), Ok((1, vec![])));
        assert_eq!(run("show span 2"), Ok((3, vec!["2"])));
        assert_eq!(run("show spans"), Ok((2, vec![])));
        assert_eq!(run("show logs"), Ok((4, vec![])));
        assert_eq!(run("show logs f"), Ok((5, vec![])));
        assert_eq!(run("ping 10.0.0.1"), Ok((6, vec!["10.0.0.1"])));
        assert_eq!(
            run("show sp"),
            Err(ResolveError::Ambiguous {
                word: "sp".into(),
                candidates: vec!["span", "spans"]
            })
        );
        assert_eq!(
            run("frobnicate"),
            Err(ResolveError::Unknown("frobnicate".into()))
        );
        assert_eq!(
            run("show"),
            Err(ResolveError::Incomplete {
                next: vec!["logs", "span", "spans", "system"]
            })
        );
    }

    #[test]
    fn completion_and_help_read_the_same_table() {
        assert_eq!(T.complete(""), ["ping", "show"]);
        assert_eq!(T.complete("sh"), ["show"]);
        assert_eq!(T.complete("show s"), ["span", "spans", "system"]);
        assert_eq!(T.complete("show logs "), ["follow"]);
        assert!(T.complete("show span 1 ").is_empty());
        let h = help(&T, "show sp");
        assert!(h.contains("show spans") && h.contains("show span <N>") && !h.contains("system"));
        assert!(help(&T, "show span 1 ").contains("show span <N>"));
        assert!(help(&T, "zz").contains("no command"));
    }
}
