//! Notices by e-mail: the one interface every mail sender implements (the
//! server picks one at start, see `server::mail`), the Dutch texts, and
//! `send_later`, which sends a notice without making the caller wait.
//!
//! A notice is a courtesy beside the SMS: a mail server that is down or
//! slow must never hold up or fail a login or a change, so `send_later`
//! hands the send to its own task and only logs what went wrong.

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailMessage {
    /// A plain address, e.g. `hovenier@voorbeeld.example`.
    pub to: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the mail server did not answer in time")]
    Timeout,
    #[error("the mail server refused the message: {0}")]
    Refused(String),
    #[error("the mail server could not be reached: {0}")]
    Unreachable(String),
}

/// The sender the server picked (`NoMail` when none is configured).
#[derive(Clone)]
pub struct MailSettings {
    pub sender: Arc<dyn MailSender>,
    /// A send still busy after this is given up and logged; nobody waits
    /// for it (see [`send_later`]).
    pub timeout: Duration,
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;

pub trait MailSender: Send + Sync + 'static {
    fn send<'a>(&'a self, message: &'a MailMessage) -> SendFuture<'a>;
    /// For logs and the start-up summary; never a secret.
    fn describe(&self) -> String;
}

/// The subject of a notice; it names the login, as people with several
/// accounts need to know which one it is about.
pub fn change_notice_subject(login: &str) -> String {
    format!("Beveiligingsmelding voor je account {login}")
}

/// The body of a notice after a change to how an account logs in (or the
/// use of a recovery code): what happened to which login (`happened`
/// reads "is zojuist …"), and what to do
/// when it was not them. It carries no link, and says so, so a phishing
/// mail that copies it stands out. It names no one by the display name: a
/// beheerder types that, and it must not read as the portal's own words.
pub fn change_notice_body(login: &str, office: &str, happened: &str) -> String {
    format!(
        "Beste gebruiker,\n\
         \n\
         Voor je account {login} bij {office} {happened}.\n\
         \n\
         Was jij dit zelf? Dan hoef je niets te doen.\n\
         \n\
         Was jij dit niet? Neem dan direct contact op met {office}: iemand anders \
         kent dan mogelijk je wachtwoord. Deze melding bevat nooit een link; klik \
         dus niet op links in een bericht dat op deze melding lijkt.\n\
         \n\
         Dit bericht is automatisch verstuurd; je kunt er niet op antwoorden.\n"
    )
}

/// The reminder of 'Verplicht vanaf', to a user with nothing set up yet.
pub fn date_reminder_subject(date: &str) -> String {
    format!("Vanaf {date} is inloggen met twee-factor-authenticatie verplicht")
}

/// What to do before the date, without a link (as every notice).
pub fn date_reminder_body(login: &str, office: &str, date: &str, days: i64) -> String {
    let when = if days == 1 {
        "morgen".to_string()
    } else {
        format!("over {days} dagen")
    };
    format!(
        "Beste gebruiker,\n\
         \n\
         Vanaf {date} ({when}) vraagt {office} bij het inloggen met je account {login} \
         om een tweede stap: een code uit een authenticator app, een SMS-code of een passkey.\n\
         \n\
         Stel het nu in: log in op het portaal en kies in het menu Help 'Authenticator app \
         koppelen', of stel bij 'Mijn gegevens' een mobiel nummer in. Doe je niets, dan vraagt \
         het portaal vanaf {date} bij het inloggen om je mobiele nummer.\n\
         \n\
         Deze melding bevat nooit een link; klik dus niet op links in een bericht dat op \
         deze melding lijkt.\n\
         \n\
         Dit bericht is automatisch verstuurd; je kunt er niet op antwoorden.\n"
    )
}

/// The week's warning before the office's dormant rule blocks an account.
/// No link: logging in the usual way is all it asks.
pub fn dormant_warning_subject(login: &str) -> String {
    format!("Je account {login} wordt over een week geblokkeerd")
}

pub fn dormant_warning_body(login: &str, office: &str, days: i64, on: &str) -> String {
    format!(
        "Beste gebruiker,\n\
         \n\
         Je hebt met je account {login} al {days} dagen of langer niet ingelogd op het portaal \
         van {office}. Het kantoor blokkeert zulke accounts: dat gebeurt met het jouwe op of na \
         {on}.\n\
         \n\
         Wil je het account houden, log dan voor die dag in zoals je gewend bent. Daarna telt \
         het opnieuw. Wordt het toch geblokkeerd, dan kan het kantoor de blokkade opheffen.\n\
         \n\
         Deze melding bevat nooit een link; klik dus niet op links in een bericht dat op \
         deze melding lijkt.\n\
         \n\
         Dit bericht is automatisch verstuurd; je kunt er niet op antwoorden.\n"
    )
}

/// The reset link, mailed only to the account's own address. It names
/// the login, as one address may serve several accounts.
pub fn reset_link_subject(login: &str) -> String {
    format!("Herstellink voor je account {login}")
}

/// What the link does, how long it lives, and that it logs nobody in.
pub fn reset_link_body(login: &str, office: &str, url: &str, minutes: i64) -> String {
    format!(
        "Beste gebruiker,\n\
         \n\
         Iemand heeft bij {office} via 'Wachtwoord vergeten?' een nieuw wachtwoord \
         aangevraagd voor je account {login}. Kies een nieuw wachtwoord via deze link:\n\
         \n\
         {url}\n\
         \n\
         De link werkt {minutes} minuten en één keer. Daarna log je in met je nieuwe \
         wachtwoord en, zoals altijd, je tweede stap.\n\
         \n\
         Heb je dit niet zelf aangevraagd? Dan hoef je niets te doen: je wachtwoord \
         blijft zoals het is. Krijg je deze mail vaker zonder dat je erom vroeg, neem \
         dan contact op met {office}.\n\
         \n\
         Dit bericht is automatisch verstuurd; je kunt er niet op antwoorden.\n"
    )
}

/// The invitation to a new account, from the office.
pub fn invitation_subject(office: &str) -> String {
    format!("Uitnodiging voor het portaal van {office}")
}

/// The login name, the link, how long it lives; the password is the
/// user's own choice, and nobody else ever knows it.
pub fn invitation_body(login: &str, office: &str, url: &str, days: i64) -> String {
    format!(
        "Beste gebruiker,\n\
         \n\
         {office} heeft een account voor je gemaakt in zijn portaal, met de \
         inlognaam {login}. Kies je wachtwoord via deze link:\n\
         \n\
         {url}\n\
         \n\
         De link werkt {days} dagen en één keer. Niemand anders kent of kiest je \
         wachtwoord, ook {office} niet. Daarna log je in met je inlognaam en je \
         wachtwoord, en als {office} daarom vraagt met een tweede stap, zoals een \
         code per SMS.\n\
         \n\
         Verwachtte je deze uitnodiging niet? Dan kun je deze mail negeren.\n\
         \n\
         Dit bericht is automatisch verstuurd; je kunt er niet op antwoorden.\n"
    )
}

/// The link that makes a new address the account's.
pub fn address_confirmation_subject(login: &str) -> String {
    format!("Bevestig je e-mailadres voor je account {login}")
}

pub fn address_confirmation_body(login: &str, office: &str, url: &str) -> String {
    format!(
        "Beste gebruiker,\n\
         \n\
         Dit adres is opgegeven als nieuw e-mailadres voor je account {login} bij \
         {office}. Het geldt pas als je het bevestigt via deze link:\n\
         \n\
         {url}\n\
         \n\
         De link werkt 24 uur en één keer. Tot dan gaan berichten over je account \
         naar je vorige adres.\n\
         \n\
         Heb je dit adres niet zelf opgegeven? Dan hoef je niets te doen.\n\
         \n\
         Dit bericht is automatisch verstuurd; je kunt er niet op antwoorden.\n"
    )
}

/// Sends `message` in a task of its own. The log names the login and the
/// sender, never the text: it would tell a log reader what changed.
pub fn send_later(settings: &MailSettings, login: String, message: MailMessage) {
    let (sender, timeout) = (settings.sender.clone(), settings.timeout);
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!(user = %login, "notice mail not sent: no async runtime");
        return;
    };
    runtime.spawn(async move {
        let result = match tokio::time::timeout(timeout, sender.send(&message)).await {
            Ok(result) => result,
            Err(_) => Err(MailError::Timeout),
        };
        if let Err(err) = result {
            tracing::warn!(user = %login, via = %sender.describe(), "notice mail not sent: {err}");
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn the_notice_names_the_login_and_the_change_and_what_to_do() {
        assert_eq!(
            change_notice_subject("hovenier"),
            "Beveiligingsmelding voor je account hovenier"
        );
        let body = change_notice_body(
            "hovenier",
            "Administratiekantoor Voorbeeld",
            "is zojuist een authenticator app gekoppeld",
        );
        assert!(body.starts_with("Beste gebruiker,\n"), "{body}");
        assert!(
            body.contains(
                "Voor je account hovenier bij Administratiekantoor Voorbeeld is zojuist \
                 een authenticator app gekoppeld."
            ),
            "{body}"
        );
        assert!(
            body.contains(
                "Was jij dit niet? Neem dan direct contact op met Administratiekantoor Voorbeeld"
            ),
            "{body}"
        );
        assert!(!body.contains("http"), "no link: {body}");
    }

    struct Recorder(Mutex<Vec<MailMessage>>);

    impl MailSender for Recorder {
        fn send<'a>(&'a self, message: &'a MailMessage) -> SendFuture<'a> {
            self.0.lock().unwrap().push(message.clone());
            Box::pin(async { Ok(()) })
        }

        fn describe(&self) -> String {
            "recorder".into()
        }
    }

    /// Never answers, like a mail server that accepted the connection and
    /// went quiet.
    struct Silent;

    impl MailSender for Silent {
        fn send<'a>(&'a self, _message: &'a MailMessage) -> SendFuture<'a> {
            Box::pin(std::future::pending())
        }

        fn describe(&self) -> String {
            "silent".into()
        }
    }

    fn message() -> MailMessage {
        MailMessage {
            to: "hovenier@voorbeeld.example".into(),
            subject: "onderwerp".into(),
            body: "tekst".into(),
        }
    }

    #[tokio::test]
    async fn a_notice_is_sent_in_the_background() {
        let recorder = Arc::new(Recorder(Mutex::new(Vec::new())));
        send_later(
            &MailSettings {
                sender: recorder.clone(),
                timeout: Duration::from_secs(5),
            },
            "hovenier".into(),
            message(),
        );
        for _ in 0..100 {
            if !recorder.0.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(*recorder.0.lock().unwrap(), vec![message()]);
    }

    #[tokio::test]
    async fn a_silent_mail_server_never_holds_up_the_caller() {
        let started = std::time::Instant::now();
        send_later(
            &MailSettings {
                sender: Arc::new(Silent),
                timeout: Duration::from_secs(3600),
            },
            "hovenier".into(),
            message(),
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
