//! Block strings (`"""…"""`) for [`super::prepare`]: where one ends, and the
//! value of one whose escaped triple quote (`\"""`) the parser would keep as
//! it is, written back as a plain string literal (spec §2.9.4 String Value,
//! BlockStringValue).

/// The index just past the `"""` closing a block string whose content starts at `at`.
pub(super) fn block_string_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        if bytes[at..].starts_with(b"\\\"\"\"") {
            at += 4;
        } else if bytes[at..].starts_with(b"\"\"\"") {
            return at + 3;
        } else {
            at += 1;
        }
    }
    at
}

/// The value of a block string whose raw text (escaped triple quotes already
/// read) is `raw` (spec §2.9.4 BlockStringValue: the common indent of all
/// lines but the first removed, blank first and last lines dropped).
pub(super) fn block_string_value(raw: &str) -> String {
    let lines: Vec<&str> = raw
        .split("\r\n")
        .flat_map(|line| line.split(['\r', '\n']))
        .collect();
    let blank = |line: &&str| line.bytes().all(|byte| byte == b' ' || byte == b'\t');
    let indent = lines
        .iter()
        .skip(1)
        .filter(|line| !blank(line))
        .map(|line| line.len() - line.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let first = lines
        .iter()
        .position(|line| !blank(line))
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|line| !blank(line))
        .map_or(0, |at| at + 1);
    let kept = lines.iter().enumerate().take(last).skip(first);
    let kept = kept.map(|(at, line)| {
        if at == 0 {
            line
        } else {
            line.get(indent..).unwrap_or("")
        }
    });
    kept.collect::<Vec<_>>().join("\n")
}

/// `value` as a plain string literal the parser reads back as `value`.
pub(super) fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for character in value.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            character if (character as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04X}", character as u32));
            }
            character => out.push(character),
        }
    }
    out.push('"');
    out
}
