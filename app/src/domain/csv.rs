//! CSV as Dutch Excel opens it: UTF-8 with a byte-order mark (else Excel
//! reads it as Windows-1252 and 'cliënt' breaks), `;` between fields (the
//! Dutch list separator; `,` is the decimal comma), CRLF between rows.
//!
//! A field is quoted when it holds `;`, `"` or a line break, its quotes
//! doubled. A field a spreadsheet would run as a formula (its first visible
//! character `=`, `+`, `-`, `@` or their full-width forms, after any blank
//! or invisible characters; or a leading tab or carriage return) gets a
//! leading `'`: a client's name is typed by people outside the office, and
//! must not become a formula on a beheerder's machine.

const BOM: &str = "\u{feff}";

/// A CSV document being written, row by row.
#[derive(Debug, Default)]
pub struct Csv {
    out: String,
}

impl Csv {
    pub fn new(header: &[&str]) -> Csv {
        let mut csv = Csv {
            out: BOM.to_string(),
        };
        csv.row(header.iter().copied());
        csv
    }

    pub fn row<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.out.push(';');
            }
            push_field(&mut self.out, field);
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Whether a spreadsheet could read `field` as a formula: its first
/// visible character is `=`, `+`, `-` or `@` (or their full-width forms,
/// which some spreadsheets take the same way), whatever blank, control or
/// invisible format characters (NBSP, BOM, zero-width space) come before
/// it; or it starts with a tab or a carriage return.
fn looks_like_formula(field: &str) -> bool {
    let hidden = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
    };
    field.starts_with(['\t', '\r'])
        || field.chars().find(|&c| !hidden(c)).is_some_and(|c| {
            matches!(
                c,
                '=' | '+' | '-' | '@' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}'
            )
        })
}

fn push_field(out: &mut String, field: &str) {
    let formula = looks_like_formula(field);
    let quoted = formula || field.contains([';', '"', '\n', '\r']);
    if quoted {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in field.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quoted {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_in_dutch_excel() {
        let mut csv = Csv::new(&["Cliënt", "Gebruikers"]);
        csv.row(["Bakkerij De Korenaar", "12"]);
        let text = csv.finish();
        assert!(text.starts_with('\u{feff}'));
        assert_eq!(
            text.trim_start_matches('\u{feff}'),
            "Cliënt;Gebruikers\r\nBakkerij De Korenaar;12\r\n"
        );
    }

    #[test]
    fn separators_quotes_and_line_breaks_are_quoted() {
        let mut csv = Csv::new(&["a", "b"]);
        csv.row(["Jansen; Zn \"de Beste\"\nBV", "x"]);
        assert!(csv
            .finish()
            .ends_with("\"Jansen; Zn \"\"de Beste\"\"\nBV\";x\r\n"));
    }

    #[test]
    fn a_formula_stays_text() {
        for evil in [
            "=HYPERLINK(\"http://x\")",
            "+31612345678",
            "-1",
            "@SUM(A1)",
            " =1+1",
            "\u{a0}=1+1",
            "\u{feff}=1+1",
            "\u{200b}@SUM(A1)",
            "\u{1}-2",
            "\u{ff1d}1+1",
            "\u{ff0b}1",
            "\u{ff0d}1",
            "\u{ff20}SUM(A1)",
            "\tx",
        ] {
            let mut csv = Csv::new(&["a"]);
            csv.row([evil]);
            let text = csv.finish();
            let line = text.lines().nth(1).unwrap();
            assert!(line.starts_with("\"'"), "{evil:?}: {line}");
        }
        for plain in ["Jansen", " Jansen", "06-12345678", "a=b", "\u{a0}Jansen"] {
            let mut csv = Csv::new(&["a"]);
            csv.row([plain]);
            let text = csv.finish();
            let line = text.lines().nth(1).unwrap();
            assert!(!line.contains('\''), "{plain:?}: {line}");
        }
    }
}
