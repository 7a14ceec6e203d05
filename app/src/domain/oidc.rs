//! OpenID Connect as Tweestap speaks it, without HTTP or SQL: what an
//! application registers, what an authorization request may ask, and the
//! one decision the authorization endpoint makes (issue a code, send the
//! browser to the login or to a step-up, or refuse), with the clock
//! passed in.

use std::collections::HashMap;

pub use super::login_method::Strength;
use super::{clock::UnixTime, login_method::LoginMethod};

/// An authorization code opens once, within a minute.
pub const CODE_SECONDS: i64 = 60;
/// Access tokens are for `userinfo` right after the login.
pub const ACCESS_TOKEN_SECONDS: i64 = 300;
/// ID and logout tokens lapse after this; a retired signing key stays
/// published at least this long.
pub const ID_TOKEN_SECONDS: i64 = 300;
/// The hidden parameter the authorization endpoint adds when it sends the
/// browser to log in or step up: the login must be from after this moment
/// (`prompt=login`), and a step-up since that still falls short ends in
/// `unmet_authentication_requirements` instead of another round.
pub const SENT_AT_PARAM: &str = "tweestap_na";

/// Which of the office's users an application is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    pub office_users: bool,
    pub clients: ClientChoice,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientChoice {
    None,
    All,
    /// The users of these clients.
    Chosen(Vec<i64>),
}

impl ClientChoice {
    pub fn as_db(&self) -> &'static str {
        match self {
            ClientChoice::None => "geen",
            ClientChoice::All => "alle",
            ClientChoice::Chosen(_) => "gekozen",
        }
    }
}

impl Audience {
    /// Whether a user of the office may log in to the application: an
    /// office user, or a client user of one of `user_clients`.
    pub fn admits(&self, is_office_user: bool, user_clients: &[i64]) -> bool {
        if is_office_user {
            return self.office_users;
        }
        match &self.clients {
            ClientChoice::None => false,
            ClientChoice::All => !user_clients.is_empty(),
            ClientChoice::Chosen(chosen) => user_clients.iter().any(|c| chosen.contains(c)),
        }
    }

    pub fn dutch(&self) -> String {
        let clients = match &self.clients {
            ClientChoice::None => None,
            ClientChoice::All => Some("alle cliënten".to_string()),
            ClientChoice::Chosen(ids) if ids.len() == 1 => Some("1 gekozen cliënt".to_string()),
            ClientChoice::Chosen(ids) => Some(format!("{} gekozen cliënten", ids.len())),
        };
        match (self.office_users, clients) {
            (true, None) => "Kantoorgebruikers".into(),
            (true, Some(c)) => format!("Kantoorgebruikers en {c}"),
            (false, Some(c)) => {
                let mut c = c;
                c[..1].make_ascii_uppercase();
                c
            }
            (false, None) => "Niemand".into(),
        }
    }
}

/// A redirect URI as registered: an absolute https address (http only on
/// the machine itself), without fragment or credentials. Requests must
/// name it exactly, character for character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri(String);

impl RedirectUri {
    pub fn parse(raw: &str) -> Result<RedirectUri, String> {
        let raw = raw.trim();
        let bad = |why: &str| Err(format!("Adres '{raw}': {why}"));
        if raw.is_empty() {
            return bad("vul een adres in.");
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) || raw.contains('\\') {
            return bad("een adres heeft geen spaties of backslashes.");
        }
        let Ok(url) = url::Url::parse(raw) else {
            return bad("dit is geen volledig webadres (https://…).");
        };
        if url.fragment().is_some() {
            return bad("een adres met '#' kan niet.");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return bad("een adres met een gebruikersnaam erin kan niet.");
        }
        match url.scheme() {
            "https" if url.host().is_some() => Ok(RedirectUri(raw.to_string())),
            "http" if is_loopback(&url) => Ok(RedirectUri(raw.to_string())),
            "http" => bad("gebruik https (http alleen voor deze computer zelf)."),
            _ => bad("dit is geen volledig webadres (https://…)."),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The redirect URIs of a registration, one per line, at least one and
/// each once.
pub fn parse_redirect_uris(text: &str) -> Result<Vec<RedirectUri>, String> {
    let mut uris: Vec<RedirectUri> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let uri = RedirectUri::parse(line)?;
        if !uris.contains(&uri) {
            uris.push(uri);
        }
    }
    if uris.is_empty() {
        return Err("Vul ten minste één terugkeeradres in.".into());
    }
    if uris.len() > 20 {
        return Err("Geef hooguit 20 terugkeeradressen.".into());
    }
    Ok(uris)
}

/// An application's name as users see it on the login page.
pub fn parse_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Vul een naam in.".into());
    }
    if name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err("Een naam is hooguit 80 tekens, zonder regeleinden.".into());
    }
    Ok(name.to_string())
}

/// An error an authorization request gets: shown on Tweestap's own page
/// when the application or its redirect URI is not known (a redirect there
/// could go anywhere), otherwise sent back to the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// Shown on our page; never redirected.
    Here(&'static str),
    /// Back to the registered redirect URI as `error` and `error_description`.
    ToClient {
        error: &'static str,
        description: &'static str,
    },
}

fn to_client(error: &'static str, description: &'static str) -> RequestError {
    RequestError::ToClient { error, description }
}

/// What `prompt` asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prompt {
    #[default]
    Default,
    /// Never show a page: a code now, or `login_required`.
    None,
    /// Authenticate again, whatever the session.
    Login,
}

/// An authorization request's parameters, checked except for what needs
/// the registration (client and redirect URI: see [`AuthorizeRequest::client`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    /// `acr_values` named the passkey level.
    pub wants: Option<Strength>,
    /// [`SENT_AT_PARAM`]: this request was sent to log in or step up then.
    pub sent_at: Option<UnixTime>,
}

/// The parameters as the query gave them; a name given twice is refused.
pub fn single_values(pairs: &[(String, String)]) -> Result<HashMap<&str, &str>, &'static str> {
    let mut map = HashMap::new();
    for (name, value) in pairs {
        if map.insert(name.as_str(), value.as_str()).is_some() {
            return Err("een parameter staat er twee keer in");
        }
    }
    Ok(map)
}

impl AuthorizeRequest {
    /// The client and redirect URI, the first things checked: until they
    /// are known to belong together, no error may be redirected.
    pub fn client<'a>(
        params: &HashMap<&'a str, &'a str>,
    ) -> Result<(&'a str, &'a str), RequestError> {
        let client = params
            .get("client_id")
            .copied()
            .filter(|c| !c.is_empty())
            .ok_or(RequestError::Here(
                "Deze koppeling noemt geen toepassing (client_id).",
            ))?;
        let redirect = params
            .get("redirect_uri")
            .copied()
            .filter(|r| !r.is_empty())
            .ok_or(RequestError::Here(
                "Deze koppeling noemt geen terugkeeradres (redirect_uri).",
            ))?;
        Ok((client, redirect))
    }

    /// The rest of the request, for a client whose redirect URI matched;
    /// `public`: the client has no secret, so PKCE is required.
    pub fn parse(
        params: &HashMap<&str, &str>,
        public: bool,
    ) -> Result<AuthorizeRequest, RequestError> {
        let (client_id, redirect_uri) = Self::client(params)?;
        let get = |name: &str| params.get(name).copied().filter(|v| !v.is_empty());
        if get("request").is_some() {
            return Err(to_client(
                "request_not_supported",
                "request objects are not supported",
            ));
        }
        if get("request_uri").is_some() {
            return Err(to_client(
                "request_uri_not_supported",
                "request_uri is not supported",
            ));
        }
        match get("response_type") {
            Some("code") => {}
            Some(_) => {
                return Err(to_client(
                    "unsupported_response_type",
                    "only the authorization code flow (response_type=code) is offered",
                ))
            }
            None => return Err(to_client("invalid_request", "response_type is missing")),
        }
        if !get("scope").is_some_and(|s| s.split(' ').any(|s| s == "openid")) {
            return Err(to_client("invalid_scope", "the scope must include openid"));
        }
        if get("response_mode").is_some_and(|m| m != "query") {
            return Err(to_client(
                "invalid_request",
                "only response_mode=query is offered",
            ));
        }
        let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
            (None, None) if public => {
                return Err(to_client(
                    "invalid_request",
                    "PKCE (S256) is required for this client",
                ))
            }
            (None, None) => None,
            (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => {
                Some(challenge.to_string())
            }
            (Some(_), Some("S256")) => {
                return Err(to_client(
                    "invalid_request",
                    "code_challenge is not an S256 challenge",
                ))
            }
            _ => {
                return Err(to_client(
                    "invalid_request",
                    "code_challenge_method must be S256, with a code_challenge",
                ))
            }
        };
        let mut prompt = Prompt::Default;
        if let Some(asked) = get("prompt") {
            let values: Vec<&str> = asked.split(' ').filter(|v| !v.is_empty()).collect();
            if values.contains(&"none") && values.len() > 1 {
                return Err(to_client(
                    "invalid_request",
                    "prompt=none cannot be combined",
                ));
            }
            if values.contains(&"none") {
                prompt = Prompt::None;
            } else if values.contains(&"login") {
                prompt = Prompt::Login;
            }
        }
        let max_age = match get("max_age") {
            None => None,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if n >= 0 => Some(n),
                _ => {
                    return Err(to_client(
                        "invalid_request",
                        "max_age must be a number of seconds",
                    ))
                }
            },
        };
        let wants = get("acr_values").and_then(|values| {
            values
                .split(' ')
                .filter_map(|v| Strength::ALL.into_iter().find(|s| s.acr() == v))
                .max()
        });
        Ok(AuthorizeRequest {
            client_id: client_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            state: get("state").map(str::to_string),
            nonce: get("nonce").map(str::to_string),
            code_challenge,
            prompt,
            max_age,
            wants,
            sent_at: get(SENT_AT_PARAM).and_then(|v| v.parse().ok()),
        })
    }
}

/// RFC 7636: an S256 challenge is 43 characters of base64url.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// RFC 7636: a verifier is 43 to 128 unreserved characters.
pub fn is_code_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// What the authorization endpoint knows of the browser's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionView {
    /// The application is for this user (`Audience::admits`).
    pub admitted: bool,
    pub method: Option<LoginMethod>,
    /// When the login was completed.
    pub logged_in_at: UnixTime,
    /// When the session last stepped up, if it did.
    pub stepped_up_at: Option<UnixTime>,
}

impl SessionView {
    /// OIDC's `auth_time`: the last time the user proved themselves.
    pub fn auth_time(&self) -> UnixTime {
        self.stepped_up_at
            .map_or(self.logged_in_at, |s| s.max(self.logged_in_at))
    }
}

/// What the authorization endpoint does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The session is good for the application: a code.
    Issue,
    /// No session: to the login page, and back.
    LogIn,
    /// A session that is too old or too weak: to the step-up, and back.
    StepUp,
    /// Back to the application with this `error`.
    Refuse(&'static str),
}

/// The one rule of the authorization endpoint. `required`: the
/// application's strength.
pub fn decide(
    request: &AuthorizeRequest,
    required: Strength,
    session: Option<SessionView>,
    now: UnixTime,
) -> Decision {
    let required = request.wants.map_or(required, |w| w.max(required));
    let Some(session) = session else {
        return match request.prompt {
            Prompt::None => Decision::Refuse("login_required"),
            _ => Decision::LogIn,
        };
    };
    if !session.admitted {
        return Decision::Refuse("access_denied");
    }
    let auth_time = session.auth_time();
    // The moment the login must be from after, if any.
    let fresh_after = [request.sent_at, request.max_age.map(|age| now - age)]
        .into_iter()
        .flatten()
        .max();
    let fresh = match (request.prompt, request.sent_at) {
        // Asked to log in again, and not yet sent to do so.
        (Prompt::Login, None) => false,
        _ => fresh_after.is_none_or(|t| auth_time >= t),
    };
    let strong = required.met_by(session.method);
    if fresh && strong {
        return Decision::Issue;
    }
    if request.prompt == Prompt::None {
        return Decision::Refuse("login_required");
    }
    // Sent to prove more, proved since, and still short: the user has no
    // factor that reaches the level; another round would not help.
    let tried = request
        .sent_at
        .is_some_and(|sent| session.stepped_up_at.is_some_and(|s| s >= sent));
    if tried && !strong {
        return Decision::Refuse("unmet_authentication_requirements");
    }
    Decision::StepUp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pairs: &[(&str, &str)], public: bool) -> Result<AuthorizeRequest, RequestError> {
        let mut all: Vec<(String, String)> = vec![
            ("client_id".into(), "abc".into()),
            ("redirect_uri".into(), "https://app.example/cb".into()),
            ("response_type".into(), "code".into()),
            ("scope".into(), "openid profile".into()),
        ];
        for (k, v) in pairs {
            all.retain(|(name, _)| name != k);
            all.push((k.to_string(), v.to_string()));
        }
        let map = single_values(&all).unwrap();
        AuthorizeRequest::parse(&map, public)
    }

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn requests_are_read_and_their_faults_named() {
        let ok = request(&[("state", "s"), ("nonce", "n")], false).unwrap();
        assert_eq!(ok.state.as_deref(), Some("s"));
        assert_eq!(ok.code_challenge, None);
        type Case<'a> = (&'a [(&'a str, &'a str)], bool, &'a str);
        let cases: &[Case] = &[
            (
                &[("response_type", "token")],
                false,
                "unsupported_response_type",
            ),
            (
                &[("response_type", "code id_token")],
                false,
                "unsupported_response_type",
            ),
            (&[("scope", "profile")], false, "invalid_scope"),
            (&[("response_mode", "fragment")], false, "invalid_request"),
            (&[], true, "invalid_request"),
            (
                &[
                    ("code_challenge", CHALLENGE),
                    ("code_challenge_method", "plain"),
                ],
                false,
                "invalid_request",
            ),
            (&[("code_challenge", CHALLENGE)], false, "invalid_request"),
            (
                &[
                    ("code_challenge", "kort"),
                    ("code_challenge_method", "S256"),
                ],
                false,
                "invalid_request",
            ),
            (&[("prompt", "none login")], false, "invalid_request"),
            (&[("max_age", "-1")], false, "invalid_request"),
            (&[("request", "eyJ")], false, "request_not_supported"),
        ];
        for (pairs, public, error) in cases {
            match request(pairs, *public) {
                Err(RequestError::ToClient { error: got, .. }) => {
                    assert_eq!(got, *error, "{pairs:?}")
                }
                other => panic!("{pairs:?}: {other:?}"),
            }
        }
        let pkce = request(
            &[
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            true,
        )
        .unwrap();
        assert_eq!(pkce.code_challenge.as_deref(), Some(CHALLENGE));
        let asked = request(
            &[
                ("acr_values", "urn:tweestap:acr:passkey onbekend"),
                ("prompt", "login consent"),
                ("max_age", "30"),
            ],
            false,
        )
        .unwrap();
        assert_eq!(asked.wants, Some(Strength::Passkey));
        assert_eq!(asked.prompt, Prompt::Login);
        assert_eq!(asked.max_age, Some(30));
        let twice = vec![
            ("scope".to_string(), "openid".to_string()),
            ("scope".to_string(), "openid".to_string()),
        ];
        assert!(single_values(&twice).is_err());
    }

    #[test]
    fn unknown_client_or_redirect_is_never_sent_back() {
        let only_redirect = [("redirect_uri".into(), "https://x/cb".into())];
        let map = single_values(&only_redirect).unwrap();
        assert!(matches!(
            AuthorizeRequest::parse(&map, false),
            Err(RequestError::Here(_))
        ));
        let only_client = [("client_id".into(), "abc".into())];
        let map = single_values(&only_client).unwrap();
        assert!(matches!(
            AuthorizeRequest::parse(&map, false),
            Err(RequestError::Here(_))
        ));
    }

    #[test]
    fn redirect_uris_are_https_or_this_machine() {
        for good in [
            "https://app.example/cb",
            "http://127.0.0.1:8080/cb",
            "http://localhost/cb",
            "http://[::1]:9/x",
            "https://app.example/cb?x=1",
        ] {
            assert!(RedirectUri::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "http://app.example/cb",
            "https://app.example/cb#x",
            "https://u:p@app.example/cb",
            "javascript:alert(1)",
            "/cb",
            "https://app.example/c b",
            "https:\\\\evil",
            "data:text/html,x",
            "",
        ] {
            assert!(RedirectUri::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_redirect_uris("https://a.example/1\n\nhttps://a.example/1\nhttps://a.example/2")
                .unwrap()
                .len(),
            2
        );
        assert!(parse_redirect_uris(" \n").is_err());
    }

    #[test]
    fn strength_follows_the_login_method() {
        use LoginMethod::*;
        for method in LoginMethod::ALL {
            let two = Strength::TwoFactors.met_by(Some(method));
            let passkey = Strength::Passkey.met_by(Some(method));
            assert_eq!(two, method != Password, "{method:?}");
            assert_eq!(
                passkey,
                matches!(method, PasswordPasskey | Passkey),
                "{method:?}"
            );
            // A stronger level is always also the weaker one.
            assert!(!passkey || two);
        }
        assert!(!Strength::TwoFactors.met_by(None));
    }

    #[test]
    fn audiences_admit_whom_they_name() {
        let office = Audience {
            office_users: true,
            clients: ClientChoice::None,
        };
        let all = Audience {
            office_users: false,
            clients: ClientChoice::All,
        };
        let chosen = Audience {
            office_users: false,
            clients: ClientChoice::Chosen(vec![7]),
        };
        assert!(office.admits(true, &[]) && !office.admits(false, &[7]));
        assert!(all.admits(false, &[3]) && !all.admits(true, &[]) && !all.admits(false, &[]));
        assert!(chosen.admits(false, &[3, 7]) && !chosen.admits(false, &[3]));
    }

    /// Every combination of prompt, max_age, acr_values, a earlier round
    /// and the session: what the endpoint does.
    #[test]
    fn the_decision_over_every_combination() {
        let now = 10_000;
        let base = request(&[], false).unwrap();
        let session = |method, logged_in_at, stepped_up_at| SessionView {
            admitted: true,
            method: Some(method),
            logged_in_at,
            stepped_up_at,
        };
        let sms = session(LoginMethod::PasswordSms, now - 100, None);
        let with = |f: &dyn Fn(&mut AuthorizeRequest)| {
            let mut r = base.clone();
            f(&mut r);
            r
        };
        use Decision::*;
        let cases: Vec<(AuthorizeRequest, Strength, Option<SessionView>, Decision)> = vec![
            (base.clone(), Strength::TwoFactors, None, LogIn),
            (
                with(&|r| r.prompt = Prompt::None),
                Strength::TwoFactors,
                None,
                Refuse("login_required"),
            ),
            (base.clone(), Strength::TwoFactors, Some(sms), Issue),
            (
                base.clone(),
                Strength::TwoFactors,
                Some(SessionView {
                    admitted: false,
                    ..sms
                }),
                Refuse("access_denied"),
            ),
            (
                base.clone(),
                Strength::TwoFactors,
                Some(session(LoginMethod::Password, now - 5, None)),
                StepUp,
            ),
            (base.clone(), Strength::Passkey, Some(sms), StepUp),
            (
                with(&|r| r.wants = Some(Strength::Passkey)),
                Strength::TwoFactors,
                Some(sms),
                StepUp,
            ),
            (
                with(&|r| r.wants = Some(Strength::TwoFactors)),
                Strength::Passkey,
                Some(sms),
                StepUp,
            ),
            (
                with(&|r| r.prompt = Prompt::None),
                Strength::Passkey,
                Some(sms),
                Refuse("login_required"),
            ),
            (
                with(&|r| r.wants = Some(Strength::Passkey)),
                Strength::TwoFactors,
                Some(session(LoginMethod::Passkey, now - 5, None)),
                Issue,
            ),
            // prompt=login: once to the step-up, then a code.
            (
                with(&|r| r.prompt = Prompt::Login),
                Strength::TwoFactors,
                Some(sms),
                StepUp,
            ),
            (
                with(&|r| {
                    r.prompt = Prompt::Login;
                    r.sent_at = Some(now - 50)
                }),
                Strength::TwoFactors,
                Some(sms),
                StepUp,
            ),
            (
                with(&|r| {
                    r.prompt = Prompt::Login;
                    r.sent_at = Some(now - 50)
                }),
                Strength::TwoFactors,
                Some(session(LoginMethod::PasswordSms, now - 500, Some(now - 10))),
                Issue,
            ),
            (
                with(&|r| {
                    r.prompt = Prompt::Login;
                    r.sent_at = Some(now - 50)
                }),
                Strength::TwoFactors,
                None,
                LogIn,
            ),
            // max_age
            (
                with(&|r| r.max_age = Some(200)),
                Strength::TwoFactors,
                Some(sms),
                Issue,
            ),
            (
                with(&|r| r.max_age = Some(50)),
                Strength::TwoFactors,
                Some(sms),
                StepUp,
            ),
            (
                with(&|r| r.max_age = Some(50)),
                Strength::TwoFactors,
                Some(session(LoginMethod::PasswordSms, now - 500, Some(now - 10))),
                Issue,
            ),
            (
                with(&|r| {
                    r.max_age = Some(0);
                    r.prompt = Prompt::None
                }),
                Strength::TwoFactors,
                Some(sms),
                Refuse("login_required"),
            ),
            // Stepped up since being sent, still no passkey: refused, no loop.
            (
                with(&|r| {
                    r.wants = Some(Strength::Passkey);
                    r.sent_at = Some(now - 50)
                }),
                Strength::TwoFactors,
                Some(session(LoginMethod::PasswordSms, now - 500, Some(now - 10))),
                Refuse("unmet_authentication_requirements"),
            ),
            // Logged in since being sent (no step-up yet): one step-up.
            (
                with(&|r| {
                    r.wants = Some(Strength::Passkey);
                    r.sent_at = Some(now - 50)
                }),
                Strength::TwoFactors,
                Some(session(LoginMethod::PasswordSms, now - 10, None)),
                StepUp,
            ),
        ];
        for (i, (request, required, session, expected)) in cases.iter().enumerate() {
            assert_eq!(
                decide(request, *required, *session, now),
                *expected,
                "case {i}"
            );
        }
    }
}
