//! Data that start-up may put in: the demo office, and the first office of a
//! real installation.

use app::{
    core::Core,
    domain::{
        login_form::LoginName,
        text::{is_plain_text, DisplayName, EmailAddress},
    },
    model::{TwoFactorPolicy, UserKind},
    storage::{
        clients, offices,
        users::{self, NewUser},
    },
};

/// Every demo login has this password (README).
pub const DEMO_PASSWORD: &str = "Welkom-2fa!";

/// Seeds the demo office into an empty database. Returns `false`, and
/// changes nothing, when the database already holds an office.
pub async fn demo(core: &Core) -> anyhow::Result<bool> {
    let db = &core.db;
    if offices::office_count(db).await? > 0 {
        return Ok(false);
    }
    let now = core.now();
    let office = offices::create_office(db, "Administratiekantoor Voorbeeld", now).await?;
    let amersfoort = offices::create_branch(db, office, "Amersfoort").await?;
    let utrecht = offices::create_branch(db, office, "Utrecht").await?;

    let bakkerij = clients::create_client(
        db,
        office,
        amersfoort,
        "Bakkerij De Korenbloem",
        TwoFactorPolicy::Nee,
        now,
    )
    .await?;
    let hoveniers = clients::create_client(
        db,
        office,
        utrecht,
        "Hoveniersbedrijf Groen",
        TwoFactorPolicy::Optioneel,
        now,
    )
    .await?;
    let zorggroep = clients::create_client(
        db,
        office,
        amersfoort,
        "Zorggroep Horizon",
        TwoFactorPolicy::Ja,
        now,
    )
    .await?;

    struct Demo {
        login: &'static str,
        name: &'static str,
        kind: UserKind,
        branch: Option<i64>,
        beheerder: bool,
        mobile: Option<&'static str>,
        clients: Vec<i64>,
    }
    let people = [
        Demo {
            login: "beheerder",
            name: "Bea Beheer",
            kind: UserKind::Office,
            branch: Some(amersfoort),
            beheerder: true,
            mobile: None,
            clients: vec![],
        },
        Demo {
            login: "medewerker",
            name: "Mees Medewerker",
            kind: UserKind::Office,
            branch: Some(utrecht),
            beheerder: false,
            mobile: None,
            clients: vec![],
        },
        Demo {
            login: "bakker",
            name: "Bram Bakker",
            kind: UserKind::Client,
            branch: None,
            beheerder: false,
            mobile: None,
            clients: vec![bakkerij],
        },
        Demo {
            login: "hovenier",
            name: "Hanna Hovenier",
            kind: UserKind::Client,
            branch: None,
            beheerder: false,
            mobile: Some("+31612345601"),
            clients: vec![hoveniers],
        },
        Demo {
            login: "zorg",
            name: "Zeynep Zorg",
            kind: UserKind::Client,
            branch: None,
            beheerder: false,
            mobile: Some("+31612345602"),
            clients: vec![zorggroep],
        },
        Demo {
            login: "multi",
            name: "Max Multi",
            kind: UserKind::Client,
            branch: None,
            beheerder: false,
            mobile: Some("+31612345603"),
            clients: vec![bakkerij, hoveniers],
        },
        // A client who lives across the border: a Belgian mobile number.
        Demo {
            login: "grens",
            name: "Gert Grens",
            kind: UserKind::Client,
            branch: None,
            beheerder: false,
            mobile: Some("+32470112233"),
            clients: vec![zorggroep],
        },
    ];
    for person in people {
        let hash = core.passwords.hash(DEMO_PASSWORD.to_string()).await?;
        let email = format!("{}@voorbeeld.example", person.login);
        let user = users::create_user(
            db,
            &NewUser {
                office_id: office,
                kind: person.kind,
                login_name: person.login,
                display_name: person.name,
                email: Some(&email),
                mobile: person.mobile,
                password_hash: &hash,
                branch_id: person.branch,
                is_beheerder: person.beheerder,
                two_factor_required: false,
            },
            now,
        )
        .await?;
        for client in person.clients {
            clients::link_user(db, user, client).await?;
        }
    }
    Ok(true)
}

pub struct FirstOffice<'a> {
    pub office: &'a str,
    pub branch: &'a str,
    pub login: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub password: String,
}

/// Creates an office, a branch and its first beheerder.
pub async fn first_office(core: &Core, input: FirstOffice<'_>) -> anyhow::Result<()> {
    let login = LoginName::parse(input.login).map_err(anyhow::Error::msg)?;
    // Every name here reaches lists, the Logboek and the notices' text.
    if !is_plain_text(login.as_str()) {
        anyhow::bail!(
            "Een inlognaam bevat geen onzichtbare tekens of tekens die de leesrichting omdraaien."
        );
    }
    let office_name = DisplayName::parse(input.office).map_err(anyhow::Error::msg)?;
    let branch_name = DisplayName::parse(input.branch).map_err(anyhow::Error::msg)?;
    let name = DisplayName::parse(input.name).map_err(anyhow::Error::msg)?;
    let email = match input.email {
        Some(email) => EmailAddress::parse_optional(email).map_err(anyhow::Error::msg)?,
        None => None,
    };
    if input.password.chars().count() < 10 {
        anyhow::bail!("Kies een wachtwoord van minstens 10 tekens.");
    }
    if users::credentials(&core.db, login.as_str())
        .await?
        .is_some()
    {
        anyhow::bail!("De inlognaam {} bestaat al.", login.as_str());
    }
    let now = core.now();
    let office = offices::create_office(&core.db, office_name.as_str(), now).await?;
    let branch = offices::create_branch(&core.db, office, branch_name.as_str()).await?;
    let hash = core.passwords.hash(input.password).await?;
    users::create_user(
        &core.db,
        &NewUser {
            office_id: office,
            kind: UserKind::Office,
            login_name: login.as_str(),
            display_name: name.as_str(),
            email: email.as_ref().map(EmailAddress::as_str),
            mobile: None,
            password_hash: &hash,
            branch_id: Some(branch),
            is_beheerder: true,
            two_factor_required: false,
        },
        now,
    )
    .await?;
    Ok(())
}
