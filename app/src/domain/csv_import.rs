//! Reading a CSV file of people to import into the client portal.
//!
//! The file is what Dutch Excel ("CSV (gescheiden door lijstscheidingsteken)",
//! "CSV UTF-8") or practice software writes: `;` or `,` as separator, UTF-8
//! with or without BOM or Windows-1252, a header line with Dutch column names
//! and any number of columns we do not use. This module only turns the file
//! into rows keyed by column; checking the values is the caller's job.

use std::borrow::Cow;

/// Largest accepted file size in bytes.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Largest accepted number of non-empty data rows.
pub const MAX_ROWS: usize = 20_000;

/// How much of the file is inspected to recognise UTF-16 or binary content.
const SNIFF_LEN: usize = 8 * 1024;

/// A column of the import file that we recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Client,
    Name,
    Login,
    Email,
    Mobile,
    Branch,
}

impl Column {
    /// All columns, in the order used for messages.
    pub const ALL: [Column; 6] = [
        Column::Client,
        Column::Name,
        Column::Login,
        Column::Email,
        Column::Mobile,
        Column::Branch,
    ];

    /// The header's Dutch label: "Cliënt", "Naam", "Inlognaam", "E-mailadres", "Mobiel nummer", "Vestiging".
    pub fn label(self) -> &'static str {
        match self {
            Column::Client => "Cliënt",
            Column::Name => "Naam",
            Column::Login => "Inlognaam",
            Column::Email => "E-mailadres",
            Column::Mobile => "Mobiel nummer",
            Column::Branch => "Vestiging",
        }
    }

    /// Whether the header must contain this column.
    pub fn required(self) -> bool {
        matches!(self, Column::Client | Column::Name | Column::Email)
    }

    /// Accepted header names, written in the form `normalise_header` produces.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Client => &["client", "klant", "relatie"],
            Column::Name => &["naam", "volledige naam"],
            Column::Login => &["inlognaam", "gebruikersnaam", "login"],
            Column::Email => &[
                "e-mailadres",
                "e-mail",
                "email",
                "emailadres",
                "e-mail adres",
            ],
            Column::Mobile => &[
                "mobiel nummer",
                "mobiel",
                "mobiele nummer",
                "telefoon mobiel",
                "mobielnummer",
                "06-nummer",
            ],
            Column::Branch => &["vestiging"],
        }
    }

    /// The column a header cell names, if any.
    fn from_header(cell: &str) -> Option<Column> {
        let key = normalise_header(cell);
        Column::ALL
            .into_iter()
            .find(|column| column.aliases().contains(&key.as_str()))
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The character encoding the file turned out to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Windows1252,
}

/// The field separator the file turned out to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    Semicolon,
    Comma,
}

impl Separator {
    fn byte(self) -> u8 {
        match self {
            Separator::Semicolon => b';',
            Separator::Comma => b',',
        }
    }
}

/// One data row: `line` is the 1-based line number in the file where the row starts (header is line 1), for messages like "regel 7".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub line: usize,
    pub client: String,
    pub name: String,
    pub login: Option<String>,
    pub email: String,
    pub mobile: Option<String>,
    pub branch: Option<String>,
}

/// The whole file: how it was read, and its non-empty data rows in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub encoding: Encoding,
    pub separator: Separator,
    pub rows: Vec<SheetRow>,
}

/// Why a file as a whole cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRefusal {
    Empty,
    TooLarge,
    TooManyRows,
    NotCsv,
    OtherEncoding,
    /// Required columns absent from the header, in `Column::ALL` order.
    MissingColumns(Vec<Column>),
    DuplicateColumn(Column),
}

impl FileRefusal {
    /// A Dutch message for the person who uploaded the file.
    pub fn message(&self) -> String {
        match self {
            FileRefusal::Empty => "Het bestand is leeg.".to_string(),
            FileRefusal::TooLarge => format!(
                "Het bestand is groter dan {} MB.",
                MAX_BYTES / (1024 * 1024)
            ),
            FileRefusal::TooManyRows => format!(
                "Het bestand heeft meer dan {} regels.",
                dutch_thousands(MAX_ROWS)
            ),
            FileRefusal::NotCsv => "Dit is geen CSV-bestand. Sla het in Excel op als \
                 'CSV (gescheiden door lijstscheidingsteken)'."
                .to_string(),
            FileRefusal::OtherEncoding => "Het bestand is in een andere tekenset opgeslagen \
                 dan UTF-8 of Windows-1252. Sla het op als CSV (UTF-8)."
                .to_string(),
            FileRefusal::MissingColumns(columns) => match columns.as_slice() {
                [] => "Er ontbreken kolommen in de kopregel.".to_string(),
                [column] => format!("De kolom '{}' ontbreekt.", column.label()),
                [first @ .., last] => {
                    let first: Vec<String> = first
                        .iter()
                        .map(|column| format!("'{}'", column.label()))
                        .collect();
                    format!(
                        "De kolommen {} en '{}' ontbreken.",
                        first.join(", "),
                        last.label()
                    )
                }
            },
            FileRefusal::DuplicateColumn(column) => format!(
                "De kolom '{}' staat twee keer in de kopregel.",
                column.label()
            ),
        }
    }
}

/// Reads an uploaded CSV file into rows, refusing files that cannot be an import file.
pub fn read(bytes: &[u8]) -> Result<Sheet, FileRefusal> {
    if bytes.len() > MAX_BYTES {
        return Err(FileRefusal::TooLarge);
    }
    let (encoding, text) = decode(bytes)?;
    if text.chars().all(is_blank) {
        return Err(FileRefusal::Empty);
    }
    let (text, skipped_lines, declared) = strip_separator_line(&text);
    let separator = declared.unwrap_or_else(|| detect_separator(text));
    let rows = parse(text, separator, skipped_lines)?;
    Ok(Sheet {
        encoding,
        separator,
        rows,
    })
}

/// Determines the encoding and returns the text without BOM.
fn decode(bytes: &[u8]) -> Result<(Encoding, Cow<'_, str>), FileRefusal> {
    if bytes.is_empty() {
        return Err(FileRefusal::Empty);
    }
    // FF FE also starts the UTF-32 LE BOM, 00 00 FE FF is UTF-32 BE.
    if bytes.starts_with(b"\xFF\xFE")
        || bytes.starts_with(b"\xFE\xFF")
        || bytes.starts_with(b"\x00\x00\xFE\xFF")
    {
        return Err(FileRefusal::OtherEncoding);
    }
    let (body, has_bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    // DOS-era software ends text files with Ctrl-Z; it would otherwise become a row.
    let body = match body.iter().rposition(|&b| b != 0x1A) {
        Some(last) => &body[..=last],
        None => &[][..],
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(FileRefusal::Empty);
    }
    let sample = &body[..body.len().min(SNIFF_LEN)];
    if looks_like_wide_text(sample) {
        return Err(FileRefusal::OtherEncoding);
    }
    if looks_binary(sample) {
        return Err(FileRefusal::NotCsv);
    }
    match std::str::from_utf8(body) {
        Ok(text) => {
            let encoding = if has_bom {
                Encoding::Utf8Bom
            } else {
                Encoding::Utf8
            };
            Ok((encoding, Cow::Borrowed(text)))
        }
        // A BOM promises UTF-8; guessing another encoding would silently garble names.
        Err(_) if has_bom => Err(FileRefusal::OtherEncoding),
        Err(_) => {
            // Windows-1252 maps every byte, so decoding cannot fail.
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(body);
            Ok((Encoding::Windows1252, text))
        }
    }
}

/// Recognises UTF-16 or UTF-32 without BOM: NUL bytes that sit in fixed
/// positions of each code unit, because Latin text has a zero high byte.
fn looks_like_wide_text(sample: &[u8]) -> bool {
    if !sample.contains(&0) {
        return false;
    }
    let mut total = [0usize; 4];
    let mut nuls = [0usize; 4];
    for (i, &b) in sample.iter().enumerate() {
        total[i % 4] += 1;
        nuls[i % 4] += usize::from(b == 0);
    }
    let (mut heavy, mut light) = (false, false);
    for (&total, &nuls) in total.iter().zip(&nuls) {
        if total == 0 {
            continue;
        }
        if nuls * 2 >= total {
            heavy = true;
        } else if nuls * 10 <= total {
            light = true;
        } else {
            // NULs spread over all positions: binary rather than wide text.
            return false;
        }
    }
    heavy && light
}

/// Recognises spreadsheets, documents and other binary files saved under a `.csv` name.
fn looks_binary(sample: &[u8]) -> bool {
    const MAGIC: [&[u8]; 5] = [
        b"PK\x03\x04",       // xlsx, ods (ZIP)
        b"PK\x05\x06",       // empty ZIP
        b"\xD0\xCF\x11\xE0", // xls (OLE)
        b"%PDF-",            // PDF
        b"{\\rtf",           // RTF
    ];
    if MAGIC.iter().any(|magic| sample.starts_with(magic)) {
        return true;
    }
    // Excel can also save "XML-spreadsheet" and "webpagina"; those are text, but not CSV.
    let start = sample.trim_ascii_start();
    let markup = [&b"<?xml"[..], b"<html", b"<!doctype"];
    if markup.iter().any(|tag| {
        start
            .get(..tag.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(tag))
    }) {
        return true;
    }
    if sample.contains(&0) {
        return true;
    }
    let controls = sample
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F)
        .count();
    // A stray control character occurs in real exports; a few percent does not.
    controls >= 4 && controls * 50 > sample.len()
}

/// Handles Excel's optional first line `sep=;` / `sep=,`, which declares the
/// separator and is not the header. Returns the remaining text, the number of
/// lines removed and the declared separator.
fn strip_separator_line(text: &str) -> (&str, usize, Option<Separator>) {
    let end = text.find(['\r', '\n']).unwrap_or(text.len());
    let line = text[..end].trim_matches(is_blank);
    let separator = match line.get(..4) {
        Some(head) if head.eq_ignore_ascii_case("sep=") => match &line[4..] {
            ";" => Separator::Semicolon,
            "," => Separator::Comma,
            _ => return (text, 0, None),
        },
        _ => return (text, 0, None),
    };
    let rest = &text[end..];
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix(['\r', '\n']))
        .unwrap_or(rest);
    (rest, 1, Some(separator))
}

/// Chooses the separator that occurs most often outside quotes in the header
/// line (the first line with content); `;` on a tie, as Dutch Excel writes it.
fn detect_separator(text: &str) -> Separator {
    let (semicolons, commas) = header_separator_counts(text);
    if commas > semicolons {
        Separator::Comma
    } else {
        Separator::Semicolon
    }
}

/// Counts `;` and `,` outside quotes in the first line with content. Follows
/// the csv crate's quoting: a quote only opens at the start of a field.
fn header_separator_counts(text: &str) -> (usize, usize) {
    let (mut semicolons, mut commas) = (0, 0);
    let mut has_content = false;
    let mut field_start = true;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' && chars.peek() == Some(&'"') {
                chars.next();
                has_content = true;
            } else if c == '"' {
                quoted = false;
            } else if !is_blank(c) {
                has_content = true;
            }
            continue;
        }
        match c {
            '"' if field_start => {
                quoted = true;
                field_start = false;
            }
            ';' => {
                semicolons += 1;
                field_start = true;
            }
            ',' => {
                commas += 1;
                field_start = true;
            }
            '\r' | '\n' => {
                if has_content {
                    return (semicolons, commas);
                }
                // Blank lines and lines like ";;;" before the header say nothing.
                (semicolons, commas) = (0, 0);
                field_start = true;
            }
            _ => {
                has_content |= !is_blank(c);
                field_start = false;
            }
        }
    }
    if has_content {
        (semicolons, commas)
    } else {
        (0, 0)
    }
}

/// Parses header and data rows. `skipped_lines` is how many lines precede `text` in the file.
fn parse(
    text: &str,
    separator: Separator,
    skipped_lines: usize,
) -> Result<Vec<SheetRow>, FileRefusal> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator.byte())
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text.as_bytes(), skipped_lines + 1);
    let mut record = csv::StringRecord::new();

    // Excel writes separator-only lines for empty sheet rows, also above the header.
    loop {
        if !reader
            .read_record(&mut record)
            .map_err(|_| FileRefusal::NotCsv)?
        {
            return Err(FileRefusal::Empty);
        }
        if !record.iter().all(|field| field.chars().all(is_blank)) {
            break;
        }
    }
    let positions = column_positions(&record)?;

    let mut rows = Vec::new();
    while reader
        .read_record(&mut record)
        .map_err(|_| FileRefusal::NotCsv)?
    {
        let values = Column::ALL.map(|column| {
            positions[column.index()]
                .and_then(|i| record.get(i))
                .map(clean_field)
                .unwrap_or_default()
        });
        if values.iter().all(String::is_empty) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(FileRefusal::TooManyRows);
        }
        let offset = record.position().map_or(0, |position| position.byte());
        let line = lines.line_of_record_at(usize::try_from(offset).unwrap_or(usize::MAX));
        let [client, name, login, email, mobile, branch] = values;
        rows.push(SheetRow {
            line,
            client,
            name,
            login: non_empty(login),
            email,
            mobile: non_empty(mobile),
            branch: non_empty(branch),
        });
    }
    Ok(rows)
}

/// Maps each column to its field index in the header record.
fn column_positions(header: &csv::StringRecord) -> Result<[Option<usize>; 6], FileRefusal> {
    let mut positions = [None; 6];
    for (i, cell) in header.iter().enumerate() {
        if let Some(column) = Column::from_header(cell) {
            let slot = &mut positions[column.index()];
            if slot.is_some() {
                return Err(FileRefusal::DuplicateColumn(column));
            }
            *slot = Some(i);
        }
    }
    let missing: Vec<Column> = Column::ALL
        .into_iter()
        .filter(|column| column.required() && positions[column.index()].is_none())
        .collect();
    if missing.is_empty() {
        Ok(positions)
    } else {
        Err(FileRefusal::MissingColumns(missing))
    }
}

/// Turns byte offsets into 1-based line numbers, scanning the text only once.
struct LineCounter<'a> {
    text: &'a [u8],
    scanned: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8], first_line: usize) -> Self {
        LineCounter {
            text,
            scanned: 0,
            line: first_line,
        }
    }

    /// The line on which the record begins. The csv crate reports where the
    /// reader stood, which can be before the previous record's line break or
    /// before skipped blank lines (and its own line count is off for CRLF).
    fn line_of_record_at(&mut self, offset: usize) -> usize {
        let mut start = offset.min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        while self.scanned < start {
            let is_break = match self.text[self.scanned] {
                b'\n' => true,
                // A lone CR is a line break in old Mac files.
                b'\r' => self.text.get(self.scanned + 1) != Some(&b'\n'),
                _ => false,
            };
            self.line += usize::from(is_break);
            self.scanned += 1;
        }
        self.line
    }
}

/// Trims a data field and removes the apostrophe that protects formula-looking text.
fn clean_field(raw: &str) -> String {
    let trimmed = raw.trim_matches(is_blank);
    // Our export and Excel write '=... so the text is not run as a formula; a
    // re-import must give back the original text. Nothing is ever evaluated.
    let unprotected = match trimmed.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => trimmed,
    };
    unprotected.to_string()
}

fn non_empty(value: String) -> Option<String> {
    if value.is_empty() {
        None
    } else {
        Some(value)
    }
}

/// Whitespace as far as trimming is concerned, including non-breaking space
/// (Unicode whitespace) and the invisible BOM / zero-width space Excel users paste along.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}'
}

/// Reduces a header cell to the form used in `Column::aliases`: without
/// surrounding quotes and blanks, lowercase, without diacritics, single spaces
/// and plain hyphens.
fn normalise_header(cell: &str) -> String {
    let core = cell.trim_matches(|c| is_blank(c) || c == '"' || c == '\'');
    let mut key = String::with_capacity(core.len());
    let mut pending_space = false;
    for c in core.chars().flat_map(char::to_lowercase) {
        if is_blank(c) {
            pending_space = true;
            continue;
        }
        // Combining marks come from decomposed text (macOS), e.g. "e" + U+0308.
        if ('\u{0300}'..='\u{036F}').contains(&c) {
            continue;
        }
        if pending_space && !key.is_empty() {
            key.push(' ');
        }
        pending_space = false;
        key.push(fold_letter(c));
    }
    key
}

/// Maps accented Latin letters to their base letter and dash variants to `-`.
fn fold_letter(c: char) -> char {
    match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        other => crate::model::without_accent(other),
    }
}

/// Formats a number the Dutch way: 20000 → "20.000".
fn dutch_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(bytes: &[u8]) -> Sheet {
        match read(bytes) {
            Ok(sheet) => sheet,
            Err(refusal) => panic!("refused: {refusal:?} ({})", refusal.message()),
        }
    }

    fn refused(bytes: &[u8]) -> FileRefusal {
        match read(bytes) {
            Ok(sheet) => panic!("accepted: {sheet:?}"),
            Err(refusal) => refusal,
        }
    }

    fn row(line: usize, client: &str, name: &str, email: &str) -> SheetRow {
        SheetRow {
            line,
            client: client.to_string(),
            name: name.to_string(),
            login: None,
            email: email.to_string(),
            mobile: None,
            branch: None,
        }
    }

    #[test]
    fn utf8_without_bom() {
        let sheet =
            ok("Cliënt;Naam;E-mailadres\nBakkerij Zoë;Zoë de Vries;zoe@example.nl\n".as_bytes());
        assert_eq!(sheet.encoding, Encoding::Utf8);
        assert_eq!(sheet.separator, Separator::Semicolon);
        assert_eq!(
            sheet.rows,
            vec![row(2, "Bakkerij Zoë", "Zoë de Vries", "zoe@example.nl")]
        );
    }

    #[test]
    fn utf8_with_bom() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend("Cliënt;Naam;E-mailadres\r\nZoë BV;Zoë;zoe@example.nl\r\n".as_bytes());
        let sheet = ok(&bytes);
        assert_eq!(sheet.encoding, Encoding::Utf8Bom);
        assert_eq!(sheet.rows, vec![row(2, "Zoë BV", "Zoë", "zoe@example.nl")]);
    }

    #[test]
    fn windows_1252() {
        let sheet =
            ok(b"Cli\xebnt;Naam;E-mailadres\r\nBakkerij Zo\xeb;Zo\xeb de Vries;zoe@example.nl\r\n");
        assert_eq!(sheet.encoding, Encoding::Windows1252);
        assert_eq!(
            sheet.rows,
            vec![row(2, "Bakkerij Zoë", "Zoë de Vries", "zoe@example.nl")]
        );
    }

    #[test]
    fn bom_with_invalid_utf8_is_refused() {
        assert_eq!(
            refused(b"\xEF\xBB\xBFCli\xebnt;Naam;E-mailadres\r\n"),
            FileRefusal::OtherEncoding
        );
    }

    #[test]
    fn comma_separator() {
        let sheet = ok(b"Client,Naam,E-mail\nA,B,c@example.nl\n");
        assert_eq!(sheet.separator, Separator::Comma);
        assert_eq!(sheet.rows, vec![row(2, "A", "B", "c@example.nl")]);
    }

    #[test]
    fn separator_counted_outside_quotes_only() {
        // Four commas inside quotes, three semicolons outside.
        let sheet = ok(b"\"Opm,a,b,c,d\";Naam;Client;Email\nx;A;B;c\n");
        assert_eq!(sheet.separator, Separator::Semicolon);
        assert_eq!(sheet.rows[0].name, "A");
        let sheet = ok(b"\"a;b;c\",Naam,Client,Email\nx,A,B,c\n");
        assert_eq!(sheet.separator, Separator::Comma);
        assert_eq!(sheet.rows[0].client, "B");
    }

    #[test]
    fn tie_prefers_semicolon() {
        assert_eq!(
            detect_separator("Client;Naam,Email\n"),
            Separator::Semicolon
        );
        assert_eq!(detect_separator("Naam\n"), Separator::Semicolon);
        assert_eq!(detect_separator(""), Separator::Semicolon);
    }

    #[test]
    fn quoted_separator_and_doubled_quotes() {
        let sheet =
            ok(b"Client;Naam;Email\n\"Jansen; Zn\";\"Jan \"\"Bakker\"\" Jansen\";jan@example.nl\n");
        assert_eq!(
            sheet.rows,
            vec![row(
                2,
                "Jansen; Zn",
                "Jan \"Bakker\" Jansen",
                "jan@example.nl"
            )]
        );
    }

    #[test]
    fn embedded_line_break_shifts_next_line_number() {
        let sheet = ok(
            b"Client;Naam;Email\r\n\"Bakkerij\r\nZoe\";Zoe;z@example.nl\r\nB;Bea;b@example.nl\r\n",
        );
        assert_eq!(
            sheet.rows,
            vec![
                row(2, "Bakkerij\r\nZoe", "Zoe", "z@example.nl"),
                row(4, "B", "Bea", "b@example.nl"),
            ]
        );
    }

    #[test]
    fn line_numbers_count_skipped_and_blank_lines() {
        let sheet = ok(b"Client;Naam;Email\n;;\n\nA;B;c\n \n;;;\nD;E;f");
        let lines: Vec<usize> = sheet.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![4, 7]);
        // Old Mac files end lines with CR only.
        let sheet = ok(b"Client;Naam;Email\rA;B;c\r\rD;E;f\r");
        let lines: Vec<usize> = sheet.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 4]);
    }

    #[test]
    fn blank_lines_before_header() {
        let sheet = ok(b"\r\n;;;\r\nClient;Naam;Email\r\nA;B;c\r\n");
        assert_eq!(sheet.rows, vec![row(4, "A", "B", "c")]);
    }

    #[test]
    fn excel_separator_declaration() {
        // Counting alone would choose `;` here (four against three).
        let bytes = b"sep=,\r\nClient,Naam,Email,Opm;a;b;c;d\r\n\"A;1\",B,c,x\r\n";
        let sheet = ok(bytes);
        assert_eq!(sheet.separator, Separator::Comma);
        assert_eq!(sheet.rows, vec![row(3, "A;1", "B", "c")]);
        assert!(matches!(
            read(&bytes[7..]),
            Err(FileRefusal::MissingColumns(_))
        ));
        let sheet = ok(b"SEP=;\nClient;Naam;Email\nA;B;c\n");
        assert_eq!(sheet.separator, Separator::Semicolon);
        assert_eq!(sheet.rows, vec![row(3, "A", "B", "c")]);
    }

    #[test]
    fn other_column_order_with_unknown_column() {
        let sheet = ok(
            "Email;Relatienummer;Mobiel nummer;Naam;Vestiging;Cliënt;Inlognaam\n\
             a@example.nl;123;06 12345678;An;Utrecht;Bakkerij;an01\n"
                .as_bytes(),
        );
        assert_eq!(
            sheet.rows,
            vec![SheetRow {
                line: 2,
                client: "Bakkerij".into(),
                name: "An".into(),
                login: Some("an01".into()),
                email: "a@example.nl".into(),
                mobile: Some("06 12345678".into()),
                branch: Some("Utrecht".into()),
            }]
        );
    }

    #[test]
    fn aliases_case_and_diacritics() {
        let headers = [
            "  KLANT ;Volledige  naam;E-Mail Adres;Gebruikersnaam;06-nummer;VESTIGING",
            "\"Relatie\";\"Naam\";Emailadres;Login;Telefoon mobiel;Vestiging",
            "CLIËNT;NAAM;É-MAILADRES;INLOGNAAM;Mobiele nummer;Véstiging",
            "Clie\u{0308}nt;naam;e\u{2011}mail;inlognaam;mobielnummer;vestiging",
            "'Cliënt';Naam;email;Inlognaam;Mobiel;Vestiging",
        ];
        for header in headers {
            let text = format!("{header}\nK;N;e@x;l;06;V\n");
            let sheet = ok(text.as_bytes());
            assert_eq!(
                sheet.rows,
                vec![SheetRow {
                    line: 2,
                    client: "K".into(),
                    name: "N".into(),
                    login: Some("l".into()),
                    email: "e@x".into(),
                    mobile: Some("06".into()),
                    branch: Some("V".into()),
                }],
                "{header}"
            );
        }
    }

    #[test]
    fn aliases_and_labels_are_in_normalised_form() {
        for column in Column::ALL {
            for alias in column.aliases() {
                assert_eq!(&normalise_header(alias), alias);
            }
            assert_eq!(Column::from_header(column.label()), Some(column));
        }
    }

    #[test]
    fn missing_one_column() {
        let refusal = refused(b"Client;Naam;Telefoon\nA;B;C\n");
        assert_eq!(refusal, FileRefusal::MissingColumns(vec![Column::Email]));
        assert_eq!(refusal.message(), "De kolom 'E-mailadres' ontbreekt.");
    }

    #[test]
    fn missing_two_and_three_columns() {
        let refusal = refused(b"Naam;Vestiging\nB;C\n");
        assert_eq!(
            refusal,
            FileRefusal::MissingColumns(vec![Column::Client, Column::Email])
        );
        assert_eq!(
            refusal.message(),
            "De kolommen 'Cliënt' en 'E-mailadres' ontbreken."
        );
        // One column, no separator at all.
        let refusal = refused(b"Iets\nB\n");
        assert_eq!(
            refusal.message(),
            "De kolommen 'Cliënt', 'Naam' en 'E-mailadres' ontbreken."
        );
    }

    #[test]
    fn duplicate_column() {
        let refusal = refused(b"Client;Naam;Email;Volledige naam\n");
        assert_eq!(refusal, FileRefusal::DuplicateColumn(Column::Name));
        assert_eq!(
            refusal.message(),
            "De kolom 'Naam' staat twee keer in de kopregel."
        );
    }

    #[test]
    fn duplicate_unknown_column_is_fine() {
        let sheet = ok(b"Client;Opmerking;Naam;Opmerking;Email\nA;x;B;y;c\n");
        assert_eq!(sheet.rows, vec![row(2, "A", "B", "c")]);
    }

    #[test]
    fn empty_rows_skipped() {
        let sheet = ok(b"Client;Naam;Email;Extra\r\n;;;\r\n ; ;\xc2\xa0;\r\n;;;alleen extra\r\nA;B;c;\r\n;;;\r\n");
        assert_eq!(sheet.rows, vec![row(5, "A", "B", "c")]);
    }

    #[test]
    fn short_and_long_rows() {
        let sheet = ok(b"Client;Naam;Email;Vestiging\nA;B\nC;D;e;f;g;h\n");
        assert_eq!(
            sheet.rows,
            vec![row(2, "A", "B", ""), {
                let mut r = row(3, "C", "D", "e");
                r.branch = Some("f".into());
                r
            }]
        );
    }

    #[test]
    fn formula_characters_stay_text() {
        let sheet = ok(
            b"Client;Naam;Email;Mobiel\n=SOM(A1);-;@x;+31 6 12345678\n'=SOM(A1);'-1;'@x;'+31 6 12345678\n'Jansen;'';' =x;''=x\n",
        );
        let got: Vec<[&str; 4]> = sheet
            .rows
            .iter()
            .map(|r| {
                [
                    r.client.as_str(),
                    r.name.as_str(),
                    r.email.as_str(),
                    r.mobile.as_deref().unwrap_or(""),
                ]
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ["=SOM(A1)", "-", "@x", "+31 6 12345678"],
                ["=SOM(A1)", "-1", "@x", "+31 6 12345678"],
                ["'Jansen", "''", "' =x", "''=x"],
            ]
        );
    }

    #[test]
    fn leading_tab_and_cr_trimmed() {
        let sheet = ok(b"Client;Naam;Email\n\"\t=A\";\"\r\n'=B\";c\n");
        assert_eq!(sheet.rows[0].client, "=A");
        assert_eq!(sheet.rows[0].name, "=B");
    }

    #[test]
    fn non_breaking_spaces_trimmed() {
        let sheet = ok(
            "Client;Naam;Email;Mobiel\n\u{a0}A\u{a0};\u{a0} B ;\u{200b}c@x\u{feff};\u{a0}\n"
                .as_bytes(),
        );
        assert_eq!(sheet.rows, vec![row(2, "A", "B", "c@x")]);
        // Windows-1252 has NBSP as 0xA0.
        let sheet = ok(b"Client;Naam;Email\n\xa0A\xa0;B;c\n");
        assert_eq!(sheet.encoding, Encoding::Windows1252);
        assert_eq!(sheet.rows, vec![row(2, "A", "B", "c")]);
    }

    #[test]
    fn utf16_refused() {
        let text = "Cliënt;Naam;E-mailadres\r\nA;B;c\r\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let mut le_bom = b"\xFF\xFE".to_vec();
        le_bom.extend(&le);
        let mut be_bom = b"\xFE\xFF".to_vec();
        be_bom.extend(&be);
        for bytes in [le_bom, be_bom, le, be] {
            assert_eq!(refused(&bytes), FileRefusal::OtherEncoding);
        }
        let utf32: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        assert_eq!(refused(&utf32), FileRefusal::OtherEncoding);
        assert_eq!(
            refused(b"\xFF\xFE").message(),
            "Het bestand is in een andere tekenset opgeslagen dan UTF-8 of Windows-1252. \
             Sla het op als CSV (UTF-8)."
        );
    }

    #[test]
    fn xlsx_and_binary_refused() {
        let mut xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00".to_vec();
        xlsx.extend(b"[Content_Types].xml");
        let refusal = refused(&xlsx);
        assert_eq!(refusal, FileRefusal::NotCsv);
        assert_eq!(
            refusal.message(),
            "Dit is geen CSV-bestand. Sla het in Excel op als \
             'CSV (gescheiden door lijstscheidingsteken)'."
        );
        let xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00";
        assert_eq!(refused(xls), FileRefusal::NotCsv);
        assert_eq!(
            refused(b"Client;Naam;Email\nA\x00;B;c\n"),
            FileRefusal::NotCsv
        );
        assert_eq!(
            refused(b"\x01\x02\x03\x04\x05\x06\x07\x08abc"),
            FileRefusal::NotCsv
        );
        assert_eq!(
            refused(b"\n <?XML version=\"1.0\"?><Workbook>"),
            FileRefusal::NotCsv
        );
        assert_eq!(refused(b"%PDF-1.7\n"), FileRefusal::NotCsv);
    }

    #[test]
    fn stray_control_character_and_ctrl_z_tolerated() {
        let sheet = ok(b"Client;Naam;Email\nA\x01A;B;c\n\x1a\x1a");
        assert_eq!(sheet.rows, vec![row(2, "A\x01A", "B", "c")]);
    }

    #[test]
    fn too_large() {
        let mut bytes = b"Client;Naam;Email\n".to_vec();
        bytes.resize(MAX_BYTES + 1, b' ');
        let refusal = refused(&bytes);
        assert_eq!(refusal, FileRefusal::TooLarge);
        assert_eq!(refusal.message(), "Het bestand is groter dan 5 MB.");
        // Exactly the limit is allowed.
        bytes.truncate(MAX_BYTES);
        assert!(ok(&bytes).rows.is_empty());
        // Size is checked before anything else.
        assert_eq!(refused(&vec![0u8; MAX_BYTES + 1]), FileRefusal::TooLarge);
    }

    #[test]
    fn too_many_rows() {
        let mut text = String::from("Client;Naam;Email\n");
        for i in 0..MAX_ROWS {
            text.push_str(&format!("C{i};N{i};e{i}@x\n;;\n"));
        }
        let sheet = ok(text.as_bytes());
        assert_eq!(sheet.rows.len(), MAX_ROWS);
        assert_eq!(sheet.rows.last().unwrap().line, 2 * MAX_ROWS);
        text.push_str("Laatste;N;e@x\n");
        let refusal = refused(text.as_bytes());
        assert_eq!(refusal, FileRefusal::TooManyRows);
        assert_eq!(
            refusal.message(),
            "Het bestand heeft meer dan 20.000 regels."
        );
    }

    #[test]
    fn empty_files() {
        for bytes in [
            &b""[..],
            b"   \r\n\t\n",
            b"\xEF\xBB\xBF",
            b"\xEF\xBB\xBF \r\n",
            "\u{a0}\n".as_bytes(),
            b";;;\r\n;;\r\n",
            b"\x1a",
        ] {
            assert_eq!(read(bytes), Err(FileRefusal::Empty), "{bytes:?}");
        }
        assert_eq!(FileRefusal::Empty.message(), "Het bestand is leeg.");
    }

    #[test]
    fn header_only_gives_no_rows() {
        let sheet = ok(b"Client;Naam;Email\r\n");
        assert!(sheet.rows.is_empty());
    }

    #[test]
    fn unterminated_quote_is_read_to_end() {
        let sheet = ok(b"Client;Naam;Email\nA;\"B;c\n");
        assert_eq!(sheet.rows, vec![row(2, "A", "B;c", "")]);
    }

    #[test]
    fn dutch_thousands_formatting() {
        assert_eq!(dutch_thousands(0), "0");
        assert_eq!(dutch_thousands(999), "999");
        assert_eq!(dutch_thousands(1000), "1.000");
        assert_eq!(dutch_thousands(1_234_567), "1.234.567");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // Cheap deterministic fuzzing with a small xorshift generator, biased
        // towards bytes that matter to the reader.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"Client;Naam,Email\"\r\n '=\xeb\xc3\xa0\x00\x1a";
        for _ in 0..2000 {
            let len = (next() % 64) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r.is_multiple_of(4) {
                        (r >> 8) as u8
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            if let Ok(sheet) = read(&bytes) {
                assert!(sheet.rows.iter().all(|row| row.line >= 2));
            }
        }
    }
}
