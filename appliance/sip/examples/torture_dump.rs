//! Prints what the parser does with each RFC 4475 torture message (development aid).
fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/testdata/sip-torture".into());
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    for p in names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "dat"))
    {
        let bytes = std::fs::read(p).unwrap_or_default();
        let name = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match sip::Message::parse(&bytes) {
            Ok(sip::Message::Request(r)) => {
                match sip::uas::admit(&r, &sip::uas::Capabilities::default(), "t") {
                    Ok(()) => println!("{name}: parsed, admitted"),
                    Err(resp) => println!("{name}: parsed, admission answers {}", resp.status),
                }
            }
            Ok(sip::Message::Response(r)) => println!("{name}: parsed response {}", r.status),
            Err(r) => println!(
                "{name}: {:?} answer={:?}",
                r.error,
                r.answer.map(|a| a.status)
            ),
        }
    }
}
