//! 'Gebruikers importeren': what each row of the office's file will do,
//! judged against what the portal has, without storage. The preview shows
//! it; the import judges again, inside its transaction, and writes it.
//!
//! A row makes a new client or finds one by name, and a new (invited)
//! client user or finds the person by address, then links the two. A row
//! that would give someone a second account, take a login name that is
//! someone else's, or reach a person twice is refused with the reason.

use std::collections::{HashMap, HashSet};

use super::{
    csv_import::SheetRow,
    login_form::LoginName,
    phone::MobileNumber,
    text::{DisplayName, EmailAddress},
};
use crate::model::proposed_login_name;

/// Someone of the office the file may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPerson {
    pub id: i64,
    pub login: String,
    /// Lower case: the confirmed and the waiting address.
    pub emails: Vec<String>,
    pub is_client_user: bool,
    pub clients: HashSet<i64>,
}

/// What the office and the portal have, read before judging.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The office's clients by lower-case name.
    pub clients: HashMap<String, i64>,
    /// The office's branches by lower-case name.
    pub branches: HashMap<String, i64>,
    /// The importing beheerder's branch (a new client without 'Vestiging').
    pub own_branch: i64,
    pub people: Vec<KnownPerson>,
    /// Every login name in the portal that is not one of `people`.
    pub taken: HashSet<String>,
}

/// Where the row's client comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientStep {
    Existing(i64),
    /// Made once per name, by the first row that names it.
    New {
        name: String,
        branch_id: i64,
    },
}

/// Where the row's person comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonStep {
    Existing(i64),
    /// A new client user, invited to `email`; a later row with the same
    /// address adds them to a further client.
    New {
        login: String,
        name: String,
        email: String,
        mobile: Option<String>,
    },
    /// The person a row above makes (by its login).
    Above {
        login: String,
    },
}

/// A row's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted {
        client: ClientStep,
        person: PersonStep,
        /// Already a user of that client: nothing to do.
        already: bool,
    },
    Refused(String),
}

impl Verdict {
    /// What the preview says the row will do.
    pub fn dutch(&self) -> String {
        match self {
            Verdict::Refused(why) => format!("Geweigerd: {why}"),
            Verdict::Accepted { already: true, .. } => "Niets: staat er al".into(),
            Verdict::Accepted { client, person, .. } => {
                let person = match person {
                    PersonStep::New { .. } => "nieuwe gebruiker",
                    PersonStep::Existing(_) | PersonStep::Above { .. } => {
                        "gebruiker aan nog een cliënt toegevoegd"
                    }
                };
                match client {
                    ClientStep::New { .. } => format!("Nieuwe cliënt, {person}"),
                    ClientStep::Existing(_) => {
                        let mut text = person.to_string();
                        text[..1].make_ascii_uppercase();
                        text
                    }
                }
            }
        }
    }
}

/// One row as judged, with what the preview shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRow {
    pub line: usize,
    pub client: String,
    pub name: String,
    /// The login name the row gets (typed or proposed), where known.
    pub login: String,
    pub email: String,
    pub verdict: Verdict,
}

/// The counts of a plan, as the preview and the Logboek give them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub new_clients: usize,
    pub new_users: usize,
    pub added: usize,
    pub unchanged: usize,
    pub refused: usize,
}

impl Counts {
    pub fn of(rows: &[PlannedRow]) -> Counts {
        let mut counts = Counts::default();
        let mut new_clients = HashSet::new();
        for row in rows {
            match &row.verdict {
                Verdict::Refused(_) => counts.refused += 1,
                Verdict::Accepted { already: true, .. } => counts.unchanged += 1,
                Verdict::Accepted { client, person, .. } => {
                    if let ClientStep::New { name, .. } = client {
                        new_clients.insert(name.to_lowercase());
                    }
                    match person {
                        PersonStep::New { .. } => counts.new_users += 1,
                        _ => counts.added += 1,
                    }
                }
            }
        }
        counts.new_clients = new_clients.len();
        counts
    }

    /// As the Logboek's entry says it.
    pub fn dutch(&self) -> String {
        format!(
            "{} nieuwe cliënten, {} nieuwe gebruikers, {} aan een cliënt toegevoegd, {} ongewijzigd, {} geweigerd",
            self.new_clients, self.new_users, self.added, self.unchanged, self.refused
        )
    }
}

/// A new person made by a row above, by lower-case address.
struct Made {
    line: usize,
    login: String,
    clients: HashSet<String>,
}

/// Judges every row of the file, in order.
pub fn plan(rows: &[SheetRow], known: &Known) -> Vec<PlannedRow> {
    let by_email: HashMap<&str, &KnownPerson> = known
        .people
        .iter()
        .flat_map(|p| p.emails.iter().map(move |e| (e.as_str(), p)))
        .collect();
    let by_login: HashMap<&str, &KnownPerson> =
        known.people.iter().map(|p| (p.login.as_str(), p)).collect();
    let mut made: HashMap<String, Made> = HashMap::new();
    let mut logins_made: HashMap<String, String> = HashMap::new();
    // Existing persons a row above added to a client (by lower-case name).
    let mut linked: HashSet<(i64, String)> = HashSet::new();
    let mut new_clients: HashMap<String, String> = HashMap::new();
    rows.iter()
        .map(|row| {
            let mut planned = PlannedRow {
                line: row.line,
                client: row.client.clone(),
                name: row.name.clone(),
                login: row.login.clone().unwrap_or_default(),
                email: row.email.clone(),
                verdict: Verdict::Refused(String::new()),
            };
            planned.verdict = match judge(
                row,
                known,
                &by_email,
                &by_login,
                &mut made,
                &mut logins_made,
                &mut linked,
                &mut new_clients,
                &mut planned.login,
            ) {
                Ok(verdict) => verdict,
                Err(why) => Verdict::Refused(why),
            };
            planned
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn judge(
    row: &SheetRow,
    known: &Known,
    by_email: &HashMap<&str, &KnownPerson>,
    by_login: &HashMap<&str, &KnownPerson>,
    made: &mut HashMap<String, Made>,
    logins_made: &mut HashMap<String, String>,
    linked: &mut HashSet<(i64, String)>,
    new_clients: &mut HashMap<String, String>,
    shown_login: &mut String,
) -> Result<Verdict, String> {
    fn field(name: &'static str) -> impl Fn(String) -> String {
        move |e| format!("{name}: {e}")
    }
    let client_name = DisplayName::parse(&row.client).map_err(field("Cliënt"))?;
    let name = DisplayName::parse(&row.name).map_err(field("Naam"))?;
    let email = EmailAddress::parse_optional(&row.email)
        .map_err(field("E-mailadres"))?
        .ok_or("E-mailadres: vul een e-mailadres in; daar gaat de uitnodiging heen.")?;
    let mobile = match row.mobile.as_deref() {
        None => None,
        Some(typed) => Some(MobileNumber::parse(typed).map_err(field("Mobiel nummer"))?),
    };
    let typed_login = match row.login.as_deref() {
        None => None,
        Some(typed) => Some(LoginName::parse(typed).map_err(field("Inlognaam"))?),
    };
    let branch_id = match row.branch.as_deref() {
        None => known.own_branch,
        Some(typed) => *known
            .branches
            .get(&typed.to_lowercase())
            .ok_or_else(|| format!("Vestiging: '{typed}' is geen vestiging van het kantoor."))?,
    };
    let client_key = client_name.as_str().to_lowercase();
    let email_key = email.as_str().to_lowercase();
    let client = match known.clients.get(&client_key) {
        Some(&id) => ClientStep::Existing(id),
        None => {
            new_clients
                .entry(client_key.clone())
                .or_insert_with(|| client_name.as_str().to_string());
            ClientStep::New {
                name: new_clients[&client_key].clone(),
                branch_id,
            }
        }
    };

    // The same address on a row above: the person that row makes.
    if let Some(earlier) = made.get_mut(&email_key) {
        if typed_login
            .as_ref()
            .is_some_and(|t| t.as_str() != earlier.login)
        {
            return Err(format!(
                "Dezelfde persoon staat op regel {} met een andere inlognaam.",
                earlier.line
            ));
        }
        *shown_login = earlier.login.clone();
        if !earlier.clients.insert(client_key) {
            return Err(format!(
                "Deze persoon staat bij deze cliënt al op regel {}.",
                earlier.line
            ));
        }
        return Ok(Verdict::Accepted {
            client,
            person: PersonStep::Above {
                login: earlier.login.clone(),
            },
            already: false,
        });
    }

    // Someone the office has, by address.
    if let Some(person) = by_email.get(email_key.as_str()) {
        if !person.is_client_user {
            return Err(
                "E-mailadres: dit adres hoort bij een kantoorgebruiker, niet bij een cliënt."
                    .into(),
            );
        }
        if let Some(typed) = &typed_login {
            if typed.as_str() != person.login {
                return Err(format!(
                    "Inlognaam: dit e-mailadres hoort al bij inlognaam '{}'.",
                    person.login
                ));
            }
        }
        *shown_login = person.login.clone();
        let already = match client {
            ClientStep::Existing(id) => person.clients.contains(&id),
            ClientStep::New { .. } => false,
        };
        if !linked.insert((person.id, client_key)) && !already {
            return Err("Deze persoon staat bij deze cliënt al op een regel hierboven.".into());
        }
        return Ok(Verdict::Accepted {
            client,
            person: PersonStep::Existing(person.id),
            already,
        });
    }

    // A new person: the typed login must be free; a proposed one is made
    // free with a number.
    let free = |login: &str| {
        !by_login.contains_key(login)
            && !known.taken.contains(login)
            && !logins_made.contains_key(login)
    };
    let login = match typed_login {
        Some(typed) => {
            if let Some(line_email) = logins_made.get(typed.as_str()) {
                return Err(format!(
                    "Inlognaam: '{}' staat hierboven al bij {line_email}.",
                    typed.as_str()
                ));
            }
            if !free(typed.as_str()) {
                return Err(format!(
                    "Inlognaam: '{}' hoort bij iemand anders. Kies een andere of laat het veld leeg.",
                    typed.as_str()
                ));
            }
            typed.as_str().to_string()
        }
        None => {
            let base = LoginName::parse(&proposed_login_name(name.as_str()))
                .map_err(field("Inlognaam"))?
                .as_str()
                .to_string();
            (1..)
                .map(|n| match n {
                    1 => base.clone(),
                    n => format!("{base}{n}"),
                })
                .find(|candidate| free(candidate))
                .unwrap_or(base)
        }
    };
    *shown_login = login.clone();
    logins_made.insert(login.clone(), email.as_str().to_string());
    made.insert(
        email_key,
        Made {
            line: row.line,
            login: login.clone(),
            clients: HashSet::from([client_key]),
        },
    );
    Ok(Verdict::Accepted {
        client,
        person: PersonStep::New {
            login,
            name: name.into_string(),
            email: email.into_string(),
            mobile: mobile.map(|m| m.as_str().to_string()),
        },
        already: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: usize, client: &str, name: &str, login: &str, email: &str) -> SheetRow {
        SheetRow {
            line,
            client: client.into(),
            name: name.into(),
            login: (!login.is_empty()).then(|| login.into()),
            email: email.into(),
            mobile: None,
            branch: None,
        }
    }

    fn known() -> Known {
        Known {
            clients: HashMap::from([("bakkerij zoë".into(), 10)]),
            branches: HashMap::from([("utrecht".into(), 2), ("amersfoort".into(), 1)]),
            own_branch: 1,
            people: vec![
                KnownPerson {
                    id: 7,
                    login: "bram".into(),
                    emails: vec!["bram@bakkerij.example".into()],
                    is_client_user: true,
                    clients: HashSet::from([10]),
                },
                KnownPerson {
                    id: 8,
                    login: "mees".into(),
                    emails: vec!["mees@kantoor.example".into()],
                    is_client_user: false,
                    clients: HashSet::new(),
                },
            ],
            taken: HashSet::from(["elders".to_string(), "nina.dester".to_string()]),
        }
    }

    fn verdicts(rows: &[SheetRow]) -> Vec<String> {
        plan(rows, &known())
            .iter()
            .map(|r| r.verdict.dutch())
            .collect()
    }

    #[test]
    fn each_row_says_what_it_will_do() {
        let rows = [
            row(
                2,
                "Visserij De Ster",
                "Nina de Ster",
                "",
                "nina@ster.example",
            ),
            row(3, "Bakkerij Zoë", "Nina de Ster", "", "nina@ster.example"),
            row(4, "Bakkerij Zoë", "Bram", "", "BRAM@bakkerij.example"),
            row(5, "Visserij De Ster", "Bram", "", "bram@bakkerij.example"),
            row(6, "visserij de ster", "Ole", "ole", "ole@ster.example"),
        ];
        assert_eq!(
            verdicts(&rows),
            [
                "Nieuwe cliënt, nieuwe gebruiker",
                "Gebruiker aan nog een cliënt toegevoegd",
                "Niets: staat er al",
                "Nieuwe cliënt, gebruiker aan nog een cliënt toegevoegd",
                "Nieuwe cliënt, nieuwe gebruiker",
            ]
        );
        let planned = plan(&rows, &known());
        // 'nina.dester' is taken elsewhere: the proposal gets a number.
        assert_eq!(planned[0].login, "nina.dester2");
        assert_eq!(planned[1].login, "nina.dester2");
        let counts = Counts::of(&planned);
        assert_eq!(
            (
                counts.new_clients,
                counts.new_users,
                counts.added,
                counts.unchanged
            ),
            (1, 2, 2, 1)
        );
    }

    #[test]
    fn every_refusal_names_its_reason() {
        let mut bad_number = row(2, "A", "Ann", "", "ann@a.example");
        bad_number.mobile = Some("06 123".into());
        let mut bad_branch = row(3, "B", "Bob", "", "bob@b.example");
        bad_branch.branch = Some("Zwolle".into());
        let rows = [
            bad_number,
            bad_branch,
            row(4, "C", "Cor", "", "geen-adres"),
            row(5, "C", "Cor", "elders", "cor@c.example"),
            row(6, "C", "Cor", "bram", "cor@c.example"),
            row(7, "D", "Dirk", "", "dirk@d.example"),
            row(8, "D", "Dirk", "", "dirk@d.example"),
            row(9, "E", "Mees", "", "mees@kantoor.example"),
            row(10, "F", "Fien", "fien", "fien@f.example"),
            row(11, "G", "Fien 2", "fien", "fien2@f.example"),
            row(12, "", "Gijs", "", "gijs@g.example"),
            row(13, "H", "Dirk", "anders", "dirk@d.example"),
        ];
        let found = verdicts(&rows);
        let expect = [
            "Mobiel nummer",
            "Vestiging: 'Zwolle'",
            "E-mailadres",
            "'elders' hoort bij iemand anders",
            "'bram' hoort bij iemand anders",
            "",
            "al op regel 7",
            "kantoorgebruiker",
            "",
            "'fien' staat hierboven al",
            "Cliënt",
            "andere inlognaam",
        ];
        for (verdict, part) in found.iter().zip(expect) {
            if part.is_empty() {
                assert!(!verdict.starts_with("Geweigerd"), "{verdict}");
            } else {
                assert!(
                    verdict.starts_with("Geweigerd: ") && verdict.contains(part),
                    "{verdict} should say {part}"
                );
            }
        }
    }

    #[test]
    fn a_branch_names_where_a_new_client_goes() {
        let mut r = row(2, "Nieuw", "Ann", "", "ann@a.example");
        r.branch = Some("UTRECHT".into());
        let planned = plan(&[r], &known());
        assert!(matches!(
            &planned[0].verdict,
            Verdict::Accepted {
                client: ClientStep::New { branch_id: 2, .. },
                ..
            }
        ));
    }

    #[test]
    fn formula_characters_stay_text() {
        let r = row(2, "=HYPERLINK(\"x\")", "@Ann", "", "ann@a.example");
        let planned = plan(&[r], &known());
        assert_eq!(
            planned[0].verdict,
            Verdict::Accepted {
                client: ClientStep::New {
                    name: "=HYPERLINK(\"x\")".into(),
                    branch_id: 1
                },
                person: PersonStep::New {
                    login: "ann".into(),
                    name: "@Ann".into(),
                    email: "ann@a.example".into(),
                    mobile: None
                },
                already: false
            }
        );
    }
}
