//! Mail over SMTP through `lettre`, encrypted with rustls. The relay is one
//! URL: `smtps://host[:465]` (TLS from the first byte) or `smtp://host[:587]`
//! (STARTTLS, required: a server that does not offer it gets nothing). Only
//! a relay on this machine may be spoken to in the clear
//! (`smtp://localhost:25?tls=none`). The user and password never sit in the
//! URL: it is shown in the start-up log and may be a flag.

use std::{fmt, net::IpAddr, time::Duration};

use anyhow::{bail, Context};
use app::mail::{MailError, MailMessage, MailSender, SendFuture};
use lettre::{
    message::{
        header::{ContentType, Header, HeaderName, HeaderValue},
        Mailbox,
    },
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the start (`smtps://`).
    Tls,
    /// A plain start upgraded by STARTTLS, which the server must offer.
    StartTls,
    /// No encryption: a relay on this machine only.
    Plain,
}

/// Where mail goes, from `TWEESTAP_SMTP_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relay {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

impl Relay {
    pub fn parse(text: &str) -> anyhow::Result<Relay> {
        // Not quoted back: a malformed URL might still hold a password.
        let url = url::Url::parse(text.trim()).context("the SMTP URL is not a URL")?;
        if !matches!(url.scheme(), "smtp" | "smtps") {
            bail!(
                "the SMTP URL must start with smtps:// (TLS) or smtp:// (STARTTLS), not {}:",
                url.scheme()
            );
        }
        if !url.username().is_empty() || url.password().is_some() {
            bail!(
                "the SMTP URL holds a user or password, which would show in the log and in `ps`: \
                 set TWEESTAP_SMTP_USER and TWEESTAP_SMTP_PASSWORD (or \
                 TWEESTAP_SMTP_PASSWORD_FILE) instead"
            );
        }
        let host = match url.host() {
            Some(url::Host::Domain(name)) => name.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => bail!("the SMTP URL {text:?} names no host"),
        };
        if !matches!(url.path(), "" | "/") {
            bail!("the SMTP URL {text:?} has a path; give only scheme, host and port");
        }
        let mut plain = false;
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "none") => plain = true,
                _ => bail!(
                    "the SMTP URL {text:?} has an unknown option {key}={value}; the only one is \
                     tls=none (a relay on this machine)"
                ),
            }
        }
        let (security, default_port) = match url.scheme() {
            "smtps" if plain => bail!("`smtps://` is TLS; tls=none belongs to `smtp://` only"),
            "smtps" => (Security::Tls, 465),
            "smtp" if plain => (Security::Plain, 25),
            _ => (Security::StartTls, 587),
        };
        if security == Security::Plain && !is_loopback(&host) {
            bail!(
                "the SMTP URL {text:?} sends mail and the SMTP password unencrypted to another \
                 machine; tls=none is only for a relay on this one (localhost, 127.0.0.1, ::1)"
            );
        }
        Ok(Relay {
            host,
            port: url.port().unwrap_or(default_port),
            security,
        })
    }
}

impl fmt::Display for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.security {
            Security::Tls => write!(f, "smtps://{host}:{}", self.port),
            Security::StartTls => write!(f, "smtp://{host}:{} (STARTTLS)", self.port),
            Security::Plain => write!(f, "smtp://{host}:{}?tls=none", self.port),
        }
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub relay: Relay,
    /// User and password, when the relay wants a login. Debug prints the
    /// password as `[REDACTED]`.
    pub credentials: Option<(String, SecretString)>,
    /// The sender, e.g. `Administratiekantoor Jansen <noreply@jansen.example>`.
    pub from: Mailbox,
    /// Also the limit on each step of the conversation with the relay.
    pub timeout: Duration,
}

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    relay: Relay,
    from: Mailbox,
}

impl Smtp {
    pub fn new(config: SmtpConfig) -> anyhow::Result<Smtp> {
        let tls = || TlsParameters::new(config.relay.host.clone());
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.relay.host.clone())
                .port(config.relay.port)
                .timeout(Some(config.timeout))
                .tls(match config.relay.security {
                    Security::Tls => Tls::Wrapper(tls()?),
                    Security::StartTls => Tls::Required(tls()?),
                    Security::Plain => Tls::None,
                });
        if let Some((user, password)) = &config.credentials {
            // lettre keeps its own plain copy for the AUTH exchange.
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_string(),
            ));
        }
        Ok(Smtp {
            transport: builder.build(),
            relay: config.relay,
            from: config.from,
        })
    }

    async fn deliver(&self, message: &MailMessage) -> Result<(), MailError> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|e| MailError::Refused(format!("not a usable address: {e}")))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .message_id(Some(message_id(&self.from)))
            .header(AutoSubmitted)
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(|e| MailError::Refused(e.to_string()))?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_timeout() => Err(MailError::Timeout),
            // The relay answered with an SMTP error code.
            Err(e) if e.is_permanent() || e.is_transient() => {
                Err(MailError::Refused(e.to_string()))
            }
            Err(e) => Err(MailError::Unreachable(e.to_string())),
        }
    }
}

/// `<random@domain>`, the domain of our own sender: spam filters score a
/// mail without a Message-ID, and the machine's host name (lettre's
/// default) is often a container's random one.
fn message_id(from: &Mailbox) -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the system's random source");
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("<{id}@{}>", from.email.domain())
}

/// `Auto-Submitted: auto-generated` (RFC 3834): out-of-office replies and
/// other autoresponders leave a notice unanswered.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        match s.trim() {
            "auto-generated" => Ok(AutoSubmitted),
            other => Err(format!("not auto-generated: {other}").into()),
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

impl MailSender for Smtp {
    fn send<'a>(&'a self, message: &'a MailMessage) -> SendFuture<'a> {
        Box::pin(self.deliver(message))
    }

    fn describe(&self) -> String {
        format!("SMTP {} as {}", self.relay, self.from)
    }
}

#[cfg(test)]
mod tests {
    use tokio::{
        io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
        net::TcpListener,
    };

    use super::*;

    #[test]
    fn relays_are_encrypted_unless_on_this_machine() {
        let relay = |url: &str| Relay::parse(url).map_err(|e| format!("{e:#}"));
        assert_eq!(
            relay("smtps://mail.example.nl").unwrap(),
            Relay {
                host: "mail.example.nl".into(),
                port: 465,
                security: Security::Tls
            }
        );
        assert_eq!(
            relay("smtp://mail.example.nl").unwrap(),
            Relay {
                host: "mail.example.nl".into(),
                port: 587,
                security: Security::StartTls
            }
        );
        let local = relay("smtp://[::1]:2525?tls=none").unwrap();
        assert_eq!(
            (local.host.as_str(), local.port, local.security),
            ("::1", 2525, Security::Plain)
        );
        assert_eq!(local.to_string(), "smtp://[::1]:2525?tls=none");
        assert_eq!(relay("smtp://localhost?tls=none").unwrap().port, 25);

        for (url, says) in [
            ("smtp://mail.example.nl?tls=none", "unencrypted"),
            (
                "smtp://gebruiker:geheim@mail.example.nl",
                "TWEESTAP_SMTP_PASSWORD",
            ),
            ("smtp://mail.example.nl?tls=opportunistic", "unknown option"),
            ("smtps://localhost?tls=none", "smtp://"),
            ("http://mail.example.nl", "smtps://"),
            ("mail.example.nl:587", "smtps://"),
            ("smtp://mail.example.nl/helo", "path"),
        ] {
            let error = relay(url).expect_err(url);
            assert!(error.contains(says), "{url}: {error}");
            assert!(!error.contains("geheim"), "{error}");
        }
    }

    /// A minimal SMTP server on loopback that accepts one mail and hands
    /// back what the client sent after DATA.
    async fn one_mail_server() -> (u16, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 test ready\r\n").await.unwrap();
            let mut data = String::new();
            let mut in_data = false;
            while let Some(line) = lines.next_line().await.unwrap() {
                if in_data {
                    if line == "." {
                        in_data = false;
                        write.write_all(b"250 queued\r\n").await.unwrap();
                    } else {
                        data.push_str(&line);
                        data.push('\n');
                    }
                    continue;
                }
                let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                let reply: &[u8] = match verb.as_str() {
                    "EHLO" => b"250 test\r\n",
                    "DATA" => {
                        in_data = true;
                        b"354 go on\r\n"
                    }
                    "QUIT" => {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    }
                    _ => b"250 ok\r\n",
                };
                write.write_all(reply).await.unwrap();
            }
            data
        });
        (port, server)
    }

    #[tokio::test]
    async fn a_mail_reaches_the_relay_with_its_subject_and_text() {
        let (port, server) = one_mail_server().await;
        let smtp = Smtp::new(SmtpConfig {
            relay: Relay::parse(&format!("smtp://127.0.0.1:{port}?tls=none")).unwrap(),
            credentials: None,
            from: "Tweestap <noreply@voorbeeld.example>".parse().unwrap(),
            timeout: Duration::from_secs(5),
        })
        .unwrap();
        smtp.send(&MailMessage {
            to: "hovenier@voorbeeld.example".into(),
            subject: "Beveiligingsmelding".into(),
            body: "Beste Henk,\n\nEen app is gekoppeld.\n".into(),
        })
        .await
        .expect("sent");
        let data = server.await.unwrap();
        assert!(data.contains("To: hovenier@voorbeeld.example"), "{data}");
        assert!(
            data.contains("From: Tweestap <noreply@voorbeeld.example>"),
            "{data}"
        );
        assert!(data.contains("Subject: Beveiligingsmelding"), "{data}");
        assert!(data.contains("Een app is gekoppeld."), "{data}");
        let header = |name: &str| {
            data.lines()
                .take_while(|line| !line.is_empty())
                .find_map(|line| line.strip_prefix(&format!("{name}: ")))
                .map(str::to_string)
        };
        assert_eq!(header("Auto-Submitted").as_deref(), Some("auto-generated"));
        let id = header("Message-ID").expect("a Message-ID");
        let (local, domain) = id
            .strip_prefix('<')
            .and_then(|id| id.strip_suffix('>'))
            .and_then(|id| id.split_once('@'))
            .unwrap_or_else(|| panic!("not <local@domain>: {id}"));
        assert_eq!(domain, "voorbeeld.example");
        assert_eq!(local.len(), 32, "{id}");
        assert!(header("Date").is_some(), "{data}");
    }

    #[tokio::test]
    async fn a_closed_port_is_unreachable() {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.local_addr().unwrap().port()
        };
        let smtp = Smtp::new(SmtpConfig {
            relay: Relay::parse(&format!("smtp://127.0.0.1:{port}")).unwrap(),
            credentials: None,
            from: "noreply@voorbeeld.example".parse().unwrap(),
            timeout: Duration::from_secs(5),
        })
        .unwrap();
        let message = MailMessage {
            to: "hovenier@voorbeeld.example".into(),
            subject: "s".into(),
            body: "b".into(),
        };
        let error = smtp.send(&message).await.expect_err("refused");
        assert!(matches!(error, MailError::Unreachable(_)), "{error}");
    }
}
