//! The crate's layers, read from its sources: a module names only modules
//! below it, a flow never names another flow, and the parts of `factors`
//! name each other, never their `mod.rs`. The README's map has the stack;
//! this test keeps the code to it.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
};

/// Top to bottom; modules on one line are one layer and may name each
/// other (they do not: each is a port or a type the rest share).
const STACK: &[&[&str]] = &[
    &["lib"],
    &["pages"],
    &["flows"],
    &["factors"],
    &["session"],
    &["core", "housekeeping"],
    &["storage"],
    &["domain"],
    &[
        "model",
        "error",
        "countdown",
        "credentials",
        "files",
        "sms",
        "mail",
        "metrics",
    ],
];

fn layer(module: &str) -> usize {
    STACK
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("`{module}` is in no layer of STACK: add it where it belongs"))
}

/// A source file and where it sits: `flows/login.rs` is `["flows", "login"]`.
struct Source {
    path: PathBuf,
    module: Vec<String>,
    text: String,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).unwrap().with_extension("");
            let mut module: Vec<String> = relative
                .iter()
                .map(|part| part.to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|last| last == "mod") {
                module.pop();
            }
            if module == ["lib"] {
                module.clear();
            }
            let text = code_only(&fs::read_to_string(&path).unwrap());
            Source { path, module, text }
        })
        .collect()
}

/// The text without comments, string and character literals, and without
/// the unit tests at the end of a file (they may reach anywhere).
fn code_only(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |end| end + 2);
        } else if rest.starts_with("r#\"") {
            i += rest.find("\"#").map_or(rest.len(), |end| end + 2);
            out.push_str("\"\"");
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() && rest.as_bytes()[j] != b'"' {
                j += if rest.as_bytes()[j] == b'\\' { 2 } else { 1 };
            }
            i += j + 1;
            out.push_str("\"\"");
        } else if let Some(after) = rest.strip_prefix('\'') {
            // A character literal ('a', 'é', '\n', '\''); a lifetime has no
            // closing quote. `end`: the literal's length between the quotes.
            let end = if after.starts_with("\\'") {
                Some(2)
            } else if after.starts_with('\\') {
                after.find('\'').filter(|end| *end <= 10)
            } else {
                after
                    .chars()
                    .next()
                    .map(char::len_utf8)
                    .filter(|len| after[*len..].starts_with('\''))
            };
            match end {
                Some(end) => {
                    i += end + 2;
                    out.push_str("' '");
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Every path a source names from `crate::` or `super::`, resolved to
/// the crate's module path (`["flows", "login", "status"]`), with the
/// names inside `use …::{a, b::c}` spelled out.
fn named_paths(source: &Source, is_mod_file: bool) -> BTreeSet<Vec<String>> {
    let text = &source.text;
    let mut found = BTreeSet::new();
    let mut at = 0;
    while let Some(offset) = text[at..].find(['c', 's']) {
        let start = at + offset;
        at = start + 1;
        let before = text[..start].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &text[start..];
        let base: Vec<String> = if rest.starts_with("crate::") {
            Vec::new()
        } else if rest.starts_with("super::") {
            let mut here = source.module.clone();
            if !is_mod_file {
                here.pop();
            }
            here
        } else {
            continue;
        };
        let mut cursor = start;
        let mut path = base;
        // `super::super::x`: each `super` one module up.
        let mut first = true;
        loop {
            let rest = &text[cursor..];
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if word.is_empty() {
                if let Some(group) = rest.strip_prefix('{') {
                    // `use super::{a, b}` names `a` and `b`, not `super`.
                    for inner in braced_items(group) {
                        let mut full = path.clone();
                        full.extend(inner);
                        found.insert(full);
                    }
                    path.clear();
                }
                break;
            }
            match word.as_str() {
                // The first `crate` or `super` is the base already.
                "crate" | "super" if first => {}
                "super" => {
                    path.pop();
                }
                _ => path.push(word.clone()),
            }
            first = false;
            cursor += word.len();
            let after = &text[cursor..];
            let trimmed = after.trim_start();
            if let Some(next) = trimmed.strip_prefix("::") {
                cursor = text.len() - next.trim_start().len();
            } else {
                break;
            }
        }
        if !path.is_empty() {
            found.insert(path);
        }
    }
    found
}

/// `a, b::{c, d}, e as f}` → `[a], [b, c], [b, d], [e]` (up to the brace
/// that closes the group).
fn braced_items(text: &str) -> Vec<Vec<String>> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            items.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    items.push(current);
    items
        .iter()
        .flat_map(|item| {
            let item = item.split(" as ").next().unwrap().trim();
            match item.split_once('{') {
                Some((head, inner)) => {
                    let head: Vec<String> = segments(head);
                    braced_items(inner)
                        .into_iter()
                        .map(|tail| head.iter().cloned().chain(tail).collect())
                        .collect::<Vec<_>>()
                }
                None if item.is_empty() => Vec::new(),
                None => vec![segments(item)],
            }
        })
        .collect()
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "self" && *s != "*")
        .map(str::to_string)
        .collect()
}

fn top(module: &[String]) -> &str {
    module.first().map_or("lib", String::as_str)
}

#[test]
fn no_module_names_a_module_above_it() {
    let mut upward = Vec::new();
    for source in sources() {
        let is_mod_file = source.path.ends_with("mod.rs") || source.module.is_empty();
        let from = top(&source.module).to_string();
        for path in named_paths(&source, is_mod_file) {
            let to = top(&path);
            if to != from && layer(to) < layer(&from) {
                upward.push(format!(
                    "{} names {}",
                    source.path.display(),
                    path.join("::")
                ));
            }
        }
    }
    assert!(upward.is_empty(), "upward: {upward:#?}");
}

#[test]
fn a_flow_never_names_another_flow() {
    let mut crossings = Vec::new();
    for source in sources().iter().filter(|s| top(&s.module) == "flows") {
        let Some(own) = source.module.get(1) else {
            continue;
        };
        let is_mod_file = source.path.ends_with("mod.rs");
        for path in named_paths(source, is_mod_file) {
            if path.first().is_some_and(|p| p == "flows")
                && path.get(1).is_some_and(|other| other != own)
            {
                crossings.push(format!(
                    "{} names {}",
                    source.path.display(),
                    path.join("::")
                ));
            }
        }
    }
    assert!(crossings.is_empty(), "{crossings:#?}");
}

#[test]
fn the_parts_of_factors_name_each_other_never_their_mod_rs() {
    let all = sources();
    let parts: BTreeSet<&str> = all
        .iter()
        .filter(|s| top(&s.module) == "factors" && s.module.len() == 2)
        .map(|s| s.module[1].as_str())
        .collect();
    assert!(parts.len() > 1, "factors is a folder of parts");
    let mut through_mod = Vec::new();
    for source in all
        .iter()
        .filter(|s| top(&s.module) == "factors" && s.module.len() == 2)
    {
        for path in named_paths(source, false) {
            let via_parent = path.first().is_some_and(|p| p == "factors")
                && !path
                    .get(1)
                    .is_some_and(|part| parts.contains(part.as_str()));
            if via_parent {
                through_mod.push(format!(
                    "{} names {}",
                    source.path.display(),
                    path.join("::")
                ));
            }
        }
    }
    assert!(through_mod.is_empty(), "{through_mod:#?}");
}

#[test]
fn the_reader_sees_what_it_checks() {
    // The checks above stand on `named_paths`; here it reads known lines.
    let source = Source {
        path: PathBuf::from("flows/login.rs"),
        module: vec!["flows".into(), "login".into()],
        text: code_only(
            "use crate::{core::Core, factors::{self, Answer}, storage::users as u};\n\
             // crate::pages::never\n\
             let s = \"crate::pages::never\";\n\
             super::step_up::status(core);\n",
        ),
    };
    let paths: Vec<String> = named_paths(&source, false)
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    assert_eq!(
        paths,
        [
            "core::Core",
            "factors",
            "factors::Answer",
            "flows::step_up::status",
            "storage::users",
        ]
    );
    // Character literals of any width and escape, and lifetimes.
    assert_eq!(
        code_only("match c { 'é' | '\\'' | '\\n' => 'e', _ => c } fn f<'a>(s: &'a str) {}"),
        "match c { ' ' | ' ' | ' ' => ' ', _ => c } fn f<'a>(s: &'a str) {}"
    );
}
