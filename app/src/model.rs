//! Values shown in the pages and carried by server functions.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserKind {
    /// 'Kantoorgebruiker': staff of one branch.
    Office,
    /// 'Cliëntgebruiker': a person at one or more clients.
    Client,
}

impl UserKind {
    pub fn as_db(self) -> &'static str {
        match self {
            UserKind::Office => "kantoor",
            UserKind::Client => "client",
        }
    }

    pub fn from_db(value: &str) -> Option<Self> {
        match value {
            "kantoor" => Some(UserKind::Office),
            "client" => Some(UserKind::Client),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UserKind::Office => "Kantoorgebruiker",
            UserKind::Client => "Cliëntgebruiker",
        }
    }
}

/// A client's two-factor policy, as the 'Authenticatie' tab names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum TwoFactorPolicy {
    Ja,
    #[default]
    Nee,
    Optioneel,
}

impl TwoFactorPolicy {
    pub const ALL: [TwoFactorPolicy; 3] = [
        TwoFactorPolicy::Ja,
        TwoFactorPolicy::Nee,
        TwoFactorPolicy::Optioneel,
    ];

    pub fn as_db(self) -> &'static str {
        match self {
            TwoFactorPolicy::Ja => "ja",
            TwoFactorPolicy::Nee => "nee",
            TwoFactorPolicy::Optioneel => "optioneel",
        }
    }

    pub fn from_db(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_db() == value)
    }

    /// How strong the login is: turning it down needs a step-up.
    pub fn strength(self) -> u8 {
        match self {
            TwoFactorPolicy::Nee => 0,
            TwoFactorPolicy::Optioneel => 1,
            TwoFactorPolicy::Ja => 2,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TwoFactorPolicy::Ja => "Ja",
            TwoFactorPolicy::Nee => "Nee",
            TwoFactorPolicy::Optioneel => "Optioneel",
        }
    }
}

/// Whether a user must give a second factor at login, as the policy rules
/// (`domain::policy`) decide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TwoFactorRequirement {
    Mandatory,
    /// A client's policy is 'Optioneel': the user chooses in 'Mijn gegevens'.
    UserChoice,
    Off,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRef {
    pub id: i64,
    pub name: String,
}

/// Who is logged in, as the header and menu need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub login_name: String,
    pub display_name: String,
    pub kind: UserKind,
    pub is_beheerder: bool,
    pub office_name: String,
    pub active_client: Option<ClientRef>,
    /// All clients a client user belongs to (empty for office users).
    pub clients: Vec<ClientRef>,
    /// Shown under the header after login: that few recovery codes are
    /// left, that the phone's clock is off.
    pub notices: Vec<String>,
    /// 'Vanaf … is inloggen met twee-factor-authenticatie verplicht.'
    pub date_notice: Option<DateNotice>,
}

/// The notice of a 'Ja' with a date ('Verplicht vanaf'), with 'Nu
/// instellen' and, before the date, 'Later'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateNotice {
    pub text: String,
    /// The last three days, or already in force.
    pub urgent: bool,
    /// The date 'Later' hides the notice for (this session); `None` once
    /// the date is reached: then there is no later.
    pub later: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyDetails {
    pub login_name: String,
    pub display_name: String,
    pub kind: UserKind,
    pub email: Option<String>,
    /// A new address waiting for its link ('Wacht op bevestiging').
    pub pending_email: Option<String>,
    /// Only the last two digits are sent to the browser.
    pub mobile_masked: Option<String>,
    pub branch: Option<String>,
    pub clients: Vec<ClientRef>,
    pub two_factor: TwoFactorState,
    /// Client users under 'Optioneel': their current choice.
    pub own_choice: bool,
    pub app_bound: bool,
    /// Unused recovery codes, and whether the user has a set at all.
    pub recovery_left: i64,
    pub recovery_set: bool,
    /// Browsers that skip the second factor for a while.
    pub trusted: Vec<TrustedBrowserRow>,
    /// The user's own logged-in sessions, this one among them.
    pub sessions: Vec<SessionRow>,
}

/// One of the user's logged-in sessions, under 'Inloggen en beveiliging'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    /// Names the session to end; opens nothing.
    pub reference: String,
    /// Dutch local times.
    pub logged_in: String,
    pub last_seen: String,
    pub this_session: bool,
    /// How it logged in ('Wachtwoord en SMS-code', …); `None`: not kept
    /// for sessions from before that was.
    pub method: Option<String>,
}

/// 'Mijn gegevens' → 'Passkeys'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeysOfUser {
    /// The office allows passkeys (and the portal's address can carry them).
    pub allowed: bool,
    pub rows: Vec<PasskeyRow>,
}

/// A passkey, as 'Mijn gegevens' lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyRow {
    pub id: i64,
    /// 'Chrome op Windows', or what the user typed.
    pub name: String,
    /// Dutch local times.
    pub added: String,
    pub last_used: Option<String>,
}

/// A passkey just made; the first one of a user without herstelcodes
/// brings a set, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyAdded {
    pub name: String,
    pub recovery_codes: Option<RecoveryCodes>,
}

/// A WebAuthn ceremony begun on the server: `options` is the JSON the
/// browser's `navigator.credentials` takes, `ceremony` names the state
/// the server kept for it, to be sent back with the browser's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyChallenge {
    pub ceremony: String,
    pub options: String,
}

/// A trusted browser ('Dit apparaat … dagen onthouden'), as 'Mijn
/// gegevens' lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedBrowserRow {
    pub id: i64,
    /// 'Chrome op Windows'.
    pub description: String,
    /// Dutch local times.
    pub added: String,
    pub until: String,
    pub last_used: String,
    /// The browser this page is open in.
    pub this_browser: bool,
}

/// 'Kantoor': the office's settings, for its beheerders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeSettings {
    pub name: String,
    /// 'Niet ingelogd': after these days a user counts as dormant.
    pub dormant_days: i64,
    /// Dormant accounts are blocked (a week after a warning by mail).
    pub dormant_block: bool,
    /// Days a browser may skip the second factor (0: never).
    pub trust_days: i64,
    /// Passkeys count as a factor ('Passkeys toestaan').
    pub passkeys_allowed: bool,
    /// A passkey may log in without the password.
    pub passkeys_passwordless: bool,
}

/// A new set of recovery codes ('herstelcodes'), shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    /// As printed: `ABCD-EFGH-JK`.
    pub codes: Vec<String>,
    /// Named in the downloaded file, so the paper says which account.
    pub login_name: String,
}

impl RecoveryCodes {
    /// The text of 'Downloaden' (and of the printed page).
    pub fn as_text(&self) -> String {
        let mut text = format!(
            "Herstelcodes voor {}\r\n\r\nElke code werkt maar één keer. Gebruik er een als je je telefoon niet bij de hand hebt:\r\nkies bij het inloggen 'Inloggen met een herstelcode'. Bewaar deze codes op een veilige plek.\r\n\r\n",
            self.login_name
        );
        for code in &self.codes {
            text.push_str(code);
            text.push_str("\r\n");
        }
        text
    }
}

/// 'Mobiel nummer wijzigen': a code sent to the new number waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberChangeStatus {
    /// The new number the code went to (masked); `None`: none sent yet.
    pub sent_to: Option<String>,
    pub valid_for: i64,
    pub resend_in: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRow {
    pub id: i64,
    pub name: String,
    pub branch: String,
    pub policy: TwoFactorPolicy,
    /// 'Verplicht vanaf', with 'Ja' only.
    pub required_from: Option<RequiredFrom>,
    pub user_count: i64,
}

impl ClientRow {
    /// 'Ja', or 'Ja, vanaf 1 februari 2027'.
    pub fn policy_text(&self) -> String {
        policy_text(self.policy, self.required_from.as_ref())
    }
}

/// 'Ja', 'Nee', 'Optioneel', or 'Ja, vanaf 1 februari 2027'.
pub fn policy_text(policy: TwoFactorPolicy, from: Option<&RequiredFrom>) -> String {
    match from {
        Some(from) if policy == TwoFactorPolicy::Ja => format!("Ja, vanaf {}", from.dutch),
        _ => policy.label().to_string(),
    }
}

/// How a user logs in, by the strongest factor they have ('Overzicht').
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Protection {
    Passkey,
    App,
    /// SMS only.
    Sms,
    /// No number, no app, no passkey: asked for a number at the next login
    /// that asks.
    Nothing,
}

impl Protection {
    pub const ALL: [Protection; 4] = [
        Protection::Passkey,
        Protection::App,
        Protection::Sms,
        Protection::Nothing,
    ];

    /// As the login and the lists name the factor.
    pub fn label(self) -> &'static str {
        match self {
            Protection::Passkey => "Passkey",
            Protection::App => "Authenticator app",
            Protection::Sms => "SMS",
            Protection::Nothing => "Niets",
        }
    }

    /// The column of 'Overzicht'.
    pub fn column(self) -> &'static str {
        match self {
            Protection::Passkey => "Met passkey",
            Protection::App => "Met app",
            Protection::Sms => "Alleen SMS",
            Protection::Nothing => "Met niets",
        }
    }

    /// In a link's `?toon=`.
    pub fn slug(self) -> &'static str {
        match self {
            Protection::Passkey => "passkey",
            Protection::App => "app",
            Protection::Sms => "sms",
            Protection::Nothing => "niets",
        }
    }
}

/// The users behind one figure of 'Overzicht', as `?toon=` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserFilter {
    Protected(Protection),
    /// Not logged in since the policy went to 'Ja'.
    NotSince,
    /// Not logged in for the office's 'Niet ingelogd' days.
    Dormant,
}

impl UserFilter {
    pub const NOT_SINCE_SLUG: &'static str = "niet-ingelogd";
    pub const DORMANT_SLUG: &'static str = "lang-niet-ingelogd";

    pub fn from_slug(slug: &str) -> Option<UserFilter> {
        if slug == Self::NOT_SINCE_SLUG {
            return Some(UserFilter::NotSince);
        }
        if slug == Self::DORMANT_SLUG {
            return Some(UserFilter::Dormant);
        }
        Protection::ALL
            .into_iter()
            .find(|p| p.slug() == slug)
            .map(UserFilter::Protected)
    }

    pub fn slug(self) -> &'static str {
        match self {
            UserFilter::Protected(p) => p.slug(),
            UserFilter::NotSince => Self::NOT_SINCE_SLUG,
            UserFilter::Dormant => Self::DORMANT_SLUG,
        }
    }

    /// What the filtered list says it shows.
    pub fn caption(self) -> &'static str {
        match self {
            UserFilter::Protected(Protection::Passkey) => "Gebruikers die inloggen met een passkey",
            UserFilter::Protected(Protection::App) => {
                "Gebruikers die inloggen met een authenticator app"
            }
            UserFilter::Protected(Protection::Sms) => "Gebruikers die alleen met SMS inloggen",
            UserFilter::Protected(Protection::Nothing) => {
                "Gebruikers met niets ingesteld (geen mobiel nummer, geen app, geen passkey)"
            }
            UserFilter::NotSince => "Gebruikers die niet meer hebben ingelogd sinds 'Ja'",
            UserFilter::Dormant => {
                "Gebruikers die lang niet hebben ingelogd (de dagen van 'Kantoor')"
            }
        }
    }

    pub fn keeps(self, protection: Protection, not_since: bool, dormant: bool) -> bool {
        match self {
            UserFilter::Protected(p) => p == protection,
            UserFilter::NotSince => not_since,
            UserFilter::Dormant => dormant,
        }
    }
}

/// The figures of one row of 'Overzicht', or of its totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OverviewCounts {
    pub users: i64,
    pub passkey: i64,
    pub app: i64,
    pub sms: i64,
    pub nothing: i64,
    /// Not logged in since the policy went to 'Ja' (0 without a 'Ja').
    pub not_since: i64,
    /// Not logged in for the office's 'Niet ingelogd' days.
    pub dormant: i64,
    /// Invited and no password chosen yet: in none of the figures above.
    pub invited: i64,
}

impl OverviewCounts {
    pub fn of(&self, protection: Protection) -> i64 {
        match protection {
            Protection::Passkey => self.passkey,
            Protection::App => self.app,
            Protection::Sms => self.sms,
            Protection::Nothing => self.nothing,
        }
    }

    pub fn add(&mut self, protection: Protection, not_since: bool, dormant: bool, users: i64) {
        self.users += users;
        match protection {
            Protection::Passkey => self.passkey += users,
            Protection::App => self.app += users,
            Protection::Sms => self.sms += users,
            Protection::Nothing => self.nothing += users,
        }
        if not_since {
            self.not_since += users;
        }
        if dormant {
            self.dormant += users;
        }
    }

    pub fn plus(mut self, other: &OverviewCounts) -> OverviewCounts {
        self.users += other.users;
        self.passkey += other.passkey;
        self.app += other.app;
        self.sms += other.sms;
        self.nothing += other.nothing;
        self.not_since += other.not_since;
        self.dormant += other.dormant;
        self.invited += other.invited;
        self
    }
}

/// One row of 'Overzicht': a client, or the office's own users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewRow {
    /// `None`: the office's own users ('Kantoorgebruikers').
    pub client_id: Option<i64>,
    pub name: String,
    /// 'Ja', 'Nee', 'Optioneel', 'Ja, vanaf 1 februari 2027'; for the
    /// office's users 'Per gebruiker'.
    pub policy: String,
    pub counts: OverviewCounts,
    /// Whether "not logged in since 'Ja'" means anything here.
    pub has_ja: bool,
}

impl OverviewRow {
    /// Where a figure of this row leads: the users behind it.
    pub fn users_href(&self, filter: Option<UserFilter>) -> String {
        let base = match self.client_id {
            Some(id) => format!("/clienten/{id}/gebruikers"),
            None => "/kantoorgebruikers".to_string(),
        };
        match filter {
            Some(f) => format!("{base}?toon={}", f.slug()),
            None => base,
        }
    }
}

/// 'Overzicht'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub totals: OverviewCounts,
    pub rows: Vec<OverviewRow>,
    /// The office's 'Niet ingelogd' days, for the column's name.
    pub dormant_days: i64,
}

impl Overview {
    /// The column of dormant users, with the office's days: the page's
    /// and the export's.
    pub fn dormant_column(&self) -> String {
        format!("Niet ingelogd in {} dagen", self.dormant_days)
    }
}

/// 'Verplicht vanaf': the date a 'Ja' applies from, as a date field takes
/// it and as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredFrom {
    /// `2027-02-01`.
    pub iso: String,
    /// `1 februari 2027`.
    pub dutch: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeUserRow {
    pub id: i64,
    pub login_name: String,
    pub display_name: String,
    pub branch: String,
    pub is_beheerder: bool,
    pub two_factor: TwoFactorState,
    /// Not logged in since their switch went to 'Ja'.
    pub not_since: bool,
    /// Invited and no password chosen yet.
    pub invitation: Option<Invitation>,
    /// Dutch local time of the last login, `None`: never.
    pub last_login: Option<String>,
    /// 'Account blokkeren'.
    pub blocked: bool,
    /// Not logged in for the office's 'Niet ingelogd' days.
    pub dormant: bool,
}

/// Where the login goes after a right password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginOutcome {
    LoggedIn,
    /// A code was sent (or could not be): enter it on the code page.
    NeedsCode,
    /// No mobile number is known: ask for one first.
    NeedsMobile,
}

/// The second step's state, for its page and countdowns. All times are
/// seconds from now as the server counts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeStatus {
    pub masked_phone: Option<String>,
    /// How long the current code stays valid (0: none or expired).
    pub valid_for: i64,
    /// When 'Nieuwe code sturen' may be used again (0: now).
    pub resend_in: i64,
    pub locked_for: Option<i64>,
    /// A mobile number must be given before any code can be sent.
    pub needs_mobile: bool,
    /// The newest attempt to send a code failed at the gateway.
    pub send_failed: bool,
    /// An authenticator app is bound: its code is asked for first.
    pub app_bound: bool,
    /// Seconds until the app shows its next code, by the server's clock.
    pub app_seconds_left: i64,
    /// A mobile number is known, so an SMS code can be sent instead.
    pub sms_available: bool,
    /// Unused recovery codes exist: 'Inloggen met een herstelcode'.
    pub recovery_available: bool,
    /// The user has a passkey: 'Inloggen met je passkey' comes first.
    pub passkey_available: bool,
    /// 'Dit apparaat … dagen onthouden' (0: the office has it off).
    pub trust_days: i64,
}

/// What became of the newest SMS of a login, as the code page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SmsDelivery {
    /// No report will come: no SMS for this login yet, or one through the
    /// development outbox, which reports nothing. The page stops asking.
    Unreported,
    /// No report yet (or only that it is on its way).
    Underway,
    /// 'Afgeleverd om 09:01'.
    Delivered { at: String },
    /// 'Je SMS is niet afgeleverd (nummer onbereikbaar).'
    NotDelivered { reason: String },
}

impl SmsDelivery {
    /// Nothing more will be reported: the page stops asking.
    pub fn is_final(&self) -> bool {
        !matches!(self, SmsDelivery::Underway)
    }
}

impl CodeStatus {
    /// Only a recovery code can answer: no app, and no number to send an
    /// SMS to (a lost phone after the beheerder cleared the number). Worked
    /// out in the browser from what the server sent: a field of its own
    /// moved 70 KB of the lazy groups' code into the login page's wasm.
    pub fn recovery_only(&self) -> bool {
        self.recovery_available && !self.app_bound && !self.sms_available && !self.passkey_available
    }
}

/// 'Mijn gegevens' → 'Authenticator': what to scan or type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingSetup {
    /// An SVG made on the server.
    pub qr_svg: String,
    /// The key in base32, in groups of four, for people who cannot scan.
    pub key: String,
    /// The name the app will show: the branch.
    pub issuer: String,
    pub account: String,
    /// An app is bound already; confirming this binds a new phone instead.
    pub already_bound: bool,
    /// Seconds before this binding lapses if it is not confirmed.
    pub lapses_in: i64,
    /// The server's clock in Dutch local time (HH:MM:SS), to compare the
    /// phone's clock with, and the seconds left of the app's current code.
    pub server_time: String,
    pub app_seconds_left: i64,
}

/// The confirmation page of a binding ('Nu koppelen').
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingStatus {
    /// No binding is being set up (none started, or it lapsed).
    pub lapsed: bool,
    pub needs_mobile: bool,
    pub masked_phone: Option<String>,
    pub sms_valid_for: i64,
    pub resend_in: i64,
    pub send_failed: bool,
    pub app_seconds_left: i64,
    pub lapses_in: i64,
}

/// One user's two-factor state as a beheerder sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorState {
    /// True when the next login asks for a second factor.
    pub applies: bool,
    pub requirement: TwoFactorRequirement,
    /// 'Verplicht vanaf': a 'Ja' announced for this date, not yet reached.
    pub required_from: Option<RequiredFrom>,
    /// 'Authenticator app', 'SMS', 'SMS (nog geen mobiel nummer)' or '–'.
    pub factor: String,
    pub app_bound: bool,
    /// How many passkeys the user has (counted also where the office has
    /// passkeys off, so a beheerder can still remove them).
    pub passkeys: i64,
    /// The strongest factor the user has, as 'Overzicht' counts it.
    pub protection: Protection,
}

impl TwoFactorState {
    /// The policy leaves it off, but the bound app is asked for anyway.
    pub fn by_app_only(&self) -> bool {
        self.app_bound && self.requirement == TwoFactorRequirement::Off
    }

    /// Whether the next login asks for a second factor, in words that
    /// match what the login does.
    pub fn summary(&self) -> String {
        match &self.required_from {
            _ if self.by_app_only() => APP_BOUND_SUMMARY.to_string(),
            Some(from) if self.applies => format!("Ja (verplicht vanaf {})", from.dutch),
            Some(from) => format!("Nog niet (verplicht vanaf {})", from.dutch),
            None if self.applies => "Ja".to_string(),
            None => "Nee".to_string(),
        }
    }
}

pub const APP_BOUND_SUMMARY: &str =
    "Authenticator-app gekoppeld: bij inloggen wordt de code gevraagd";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientUserRow {
    pub id: i64,
    pub app_bound: bool,
    pub login_name: String,
    pub display_name: String,
    pub two_factor: TwoFactorState,
    /// Masked; `None` when no number is known.
    pub mobile: Option<String>,
    /// A number a beheerder set waits for its owner's code.
    pub mobile_unconfirmed: bool,
    /// Dutch local time of the last login, `None`: never.
    pub last_login: Option<String>,
    /// Not logged in since the client's policy went to 'Ja'.
    pub not_since: bool,
    /// Invited and no password chosen yet.
    pub invitation: Option<Invitation>,
    /// 'Account blokkeren'.
    pub blocked: bool,
    /// Not logged in for the office's 'Niet ingelogd' days.
    pub dormant: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientDetail {
    pub client: ClientRow,
    pub users: Vec<ClientUserRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeUserDetail {
    pub id: i64,
    pub login_name: String,
    pub display_name: String,
    pub email: Option<String>,
    /// A new address waiting for its link.
    pub pending_email: Option<String>,
    pub mobile: Option<String>,
    pub branch: String,
    pub is_beheerder: bool,
    pub two_factor_switch: bool,
    /// 'Verplicht vanaf' with the switch on.
    pub two_factor_from: Option<RequiredFrom>,
    pub two_factor: TwoFactorState,
    pub app_bound: bool,
    /// Invited and no password chosen yet.
    pub invitation: Option<Invitation>,
    /// 'Account blokkeren'.
    pub blocked: bool,
}

/// What 'Verwijderen' will do, for its confirmation: the user's name, and
/// whether the account itself goes (a client user's last client, or an
/// office user) or only their access to one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    pub display_name: String,
    pub login_name: String,
    pub deletes_account: bool,
}

/// 'Gebruikers importeren': what the file will do, before anything is
/// saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub import_id: i64,
    pub counts: ImportCounts,
    /// Every refused row, then the others up to a screenful.
    pub rows: Vec<ImportRow>,
    /// Rows of the file not among `rows`.
    pub not_shown: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub new_clients: usize,
    pub new_users: usize,
    pub added: usize,
    pub unchanged: usize,
    pub refused: usize,
}

/// One row of the file, and what it will do ('Geweigerd: …' when refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    pub line: usize,
    pub client: String,
    pub name: String,
    pub login: String,
    pub email: String,
    pub outcome: String,
    pub refused: bool,
}

/// An import's invitations, sent at a steady pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProgress {
    pub total: i64,
    pub sent: i64,
}

/// A branch ('vestiging'), for the forms that ask one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchRef {
    pub id: i64,
    pub name: String,
}

/// What 'Uitnodiging versturen' did: an invitation went out, or the login
/// name or address belongs to a client user of the office already, who can
/// be added to this client instead of getting a second account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AddedUser {
    Invited {
        user_id: i64,
    },
    Existing {
        user_id: i64,
        login_name: String,
        display_name: String,
    },
}

/// An invited account in the user lists, instead of the last login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Invitation {
    Open,
    Expired,
}

impl Invitation {
    pub fn label(self) -> &'static str {
        match self {
            Invitation::Open => "Uitgenodigd",
            Invitation::Expired => "Uitnodiging verlopen",
        }
    }
}

/// A login name proposed from a name: "Jan de Vries" → "jan.devries".
/// Letters lose their accents; the beheerder may type another.
pub fn proposed_login_name(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().map(without_accent).collect())
        .collect();
    let proposal = match words.split_first() {
        None => String::new(),
        Some((first, [])) => first.clone(),
        Some((first, rest)) => format!("{first}.{}", rest.concat()),
    };
    proposal.chars().take(30).collect()
}

/// A Latin letter without its accent ('ë' → 'e'), for names made into
/// logins and headers matched by their letters.
pub fn without_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Whose account a mailed link is for, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkAccount {
    pub login_name: String,
    /// The address an address confirmation confirms.
    pub email: Option<String>,
}

/// What an audit row records. `as_str` is what is stored (stable, searched
/// for by support staff); `label` is what the Logboek shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    LoginOk,
    LoginPasswordOk,
    LoginFailed,
    Logout,
    CodeFailed,
    SmsSent,
    SmsFailed,
    /// The provider reported the SMS on the phone.
    SmsDelivered,
    /// The provider reported the SMS will not arrive.
    SmsUndelivered,
    StepUpOk,
    StepUpFailed,
    AuthenticatorBound,
    AuthenticatorUnbound,
    AuthenticatorReset,
    RecoveryCreated,
    RecoveryUsed,
    UserMobile,
    UserMobileConfirmed,
    UserTwoFactor,
    UserTwoFactorChoice,
    UserDisplayName,
    UserEmail,
    SessionsEnded,
    TrustedAdded,
    TrustedForgotten,
    OfficeTrustDays,
    ClientTwoFactorPolicy,
    PasskeyAdded,
    PasskeyRemoved,
    PasskeysReset,
    /// An assertion whose signature counter went backwards: a cloned key.
    PasskeyCounterBackwards,
    OfficePasskeys,
    /// A reminder of 'Verplicht vanaf' mailed to a user with nothing set up.
    DateReminderSent,
    /// A reset link mailed to the account's address.
    PasswordResetSent,
    /// A new password set through a reset link.
    PasswordReset,
    /// 'Wachtwoord wijzigen' by the user.
    PasswordChanged,
    /// The first password, chosen from the invitation's link.
    PasswordChosen,
    ClientAdded,
    ClientRenamed,
    /// A new account, invited by mail.
    UserInvited,
    /// 'Uitnodiging opnieuw versturen'.
    InvitationResent,
    /// A client user of the office added to another client.
    UserAddedToClient,
    /// A new address typed, waiting for its link.
    UserEmailRequested,
    /// The link to a new address mailed.
    EmailConfirmationSent,
    /// 'Uitloggen' on one of the user's other sessions.
    SessionEndedByUser,
    /// The right password (or a passkey, a link) for a blocked account.
    LoginBlocked,
    /// 'Account blokkeren', or the dormant rule (new value says which).
    UserBlocked,
    UserUnblocked,
    UserRemovedFromClient,
    /// The account and everything of it deleted (AVG art. 17).
    UserRemoved,
    DormantWarned,
    OfficeDormant,
    /// 'Gebruikers importeren': one row, its counts as the new value.
    UsersImported,
    /// 'Mijn gegevens downloaden', by the user or a beheerder for them.
    DataExported,
    OidcLogin,
    OidcRefused,
    OidcCodeReplayed,
    OidcLogout,
    OidcLogoutFailed,
    ApplicationAdded,
    ApplicationSecret,
    ApplicationOff,
    ApplicationOn,
    ApplicationRemoved,
}

impl AuditAction {
    /// In the order the Logboek's 'Soort' list shows them.
    pub const ALL: [AuditAction; 64] = [
        AuditAction::LoginOk,
        AuditAction::LoginPasswordOk,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::CodeFailed,
        AuditAction::SmsSent,
        AuditAction::SmsFailed,
        AuditAction::SmsDelivered,
        AuditAction::SmsUndelivered,
        AuditAction::StepUpOk,
        AuditAction::StepUpFailed,
        AuditAction::AuthenticatorBound,
        AuditAction::AuthenticatorUnbound,
        AuditAction::AuthenticatorReset,
        AuditAction::RecoveryCreated,
        AuditAction::RecoveryUsed,
        AuditAction::UserMobile,
        AuditAction::UserMobileConfirmed,
        AuditAction::UserTwoFactor,
        AuditAction::UserTwoFactorChoice,
        AuditAction::UserDisplayName,
        AuditAction::UserEmail,
        AuditAction::SessionsEnded,
        AuditAction::TrustedAdded,
        AuditAction::TrustedForgotten,
        AuditAction::OfficeTrustDays,
        AuditAction::ClientTwoFactorPolicy,
        AuditAction::PasskeyAdded,
        AuditAction::PasskeyRemoved,
        AuditAction::PasskeysReset,
        AuditAction::PasskeyCounterBackwards,
        AuditAction::OfficePasskeys,
        AuditAction::DateReminderSent,
        AuditAction::PasswordResetSent,
        AuditAction::PasswordReset,
        AuditAction::PasswordChanged,
        AuditAction::PasswordChosen,
        AuditAction::ClientAdded,
        AuditAction::ClientRenamed,
        AuditAction::UserInvited,
        AuditAction::InvitationResent,
        AuditAction::UserAddedToClient,
        AuditAction::UserEmailRequested,
        AuditAction::EmailConfirmationSent,
        AuditAction::SessionEndedByUser,
        AuditAction::LoginBlocked,
        AuditAction::UserBlocked,
        AuditAction::UserUnblocked,
        AuditAction::UserRemovedFromClient,
        AuditAction::UserRemoved,
        AuditAction::DormantWarned,
        AuditAction::OfficeDormant,
        AuditAction::UsersImported,
        AuditAction::DataExported,
        AuditAction::OidcLogin,
        AuditAction::OidcRefused,
        AuditAction::OidcCodeReplayed,
        AuditAction::OidcLogout,
        AuditAction::OidcLogoutFailed,
        AuditAction::ApplicationAdded,
        AuditAction::ApplicationSecret,
        AuditAction::ApplicationOff,
        AuditAction::ApplicationOn,
        AuditAction::ApplicationRemoved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::LoginOk => "login.ok",
            AuditAction::LoginPasswordOk => "login.password_ok",
            AuditAction::LoginFailed => "login.failed",
            AuditAction::Logout => "logout",
            AuditAction::CodeFailed => "code.failed",
            AuditAction::SmsSent => "sms.sent",
            AuditAction::SmsFailed => "sms.failed",
            AuditAction::SmsDelivered => "sms.delivered",
            AuditAction::SmsUndelivered => "sms.undelivered",
            AuditAction::StepUpOk => "stepup.ok",
            AuditAction::StepUpFailed => "stepup.failed",
            AuditAction::AuthenticatorBound => "authenticator.bound",
            AuditAction::AuthenticatorUnbound => "authenticator.unbound",
            AuditAction::AuthenticatorReset => "authenticator.reset",
            AuditAction::RecoveryCreated => "recovery.created",
            AuditAction::RecoveryUsed => "recovery.used",
            AuditAction::UserMobile => "user.mobile",
            AuditAction::UserMobileConfirmed => "user.mobile_confirmed",
            AuditAction::UserTwoFactor => "user.two_factor",
            AuditAction::UserTwoFactorChoice => "user.two_factor_choice",
            AuditAction::UserDisplayName => "user.display_name",
            AuditAction::UserEmail => "user.email",
            AuditAction::SessionsEnded => "sessions.ended",
            AuditAction::TrustedAdded => "trusted.added",
            AuditAction::TrustedForgotten => "trusted.forgotten",
            AuditAction::OfficeTrustDays => "office.trust_days",
            AuditAction::ClientTwoFactorPolicy => "client.two_factor_policy",
            AuditAction::PasskeyAdded => "passkey.added",
            AuditAction::PasskeyRemoved => "passkey.removed",
            AuditAction::PasskeysReset => "passkey.reset",
            AuditAction::PasskeyCounterBackwards => "passkey.counter_backwards",
            AuditAction::OfficePasskeys => "office.passkeys",
            AuditAction::DateReminderSent => "two_factor.date_reminder",
            AuditAction::PasswordResetSent => "password.reset_sent",
            AuditAction::PasswordReset => "password.reset",
            AuditAction::PasswordChanged => "password.changed",
            AuditAction::PasswordChosen => "password.chosen",
            AuditAction::ClientAdded => "client.added",
            AuditAction::ClientRenamed => "client.renamed",
            AuditAction::UserInvited => "user.invited",
            AuditAction::InvitationResent => "user.invitation_resent",
            AuditAction::UserAddedToClient => "user.client_added",
            AuditAction::UserEmailRequested => "user.email_requested",
            AuditAction::EmailConfirmationSent => "user.email_confirmation_sent",
            AuditAction::SessionEndedByUser => "session.ended_by_user",
            AuditAction::LoginBlocked => "login.blocked",
            AuditAction::UserBlocked => "user.blocked",
            AuditAction::UserUnblocked => "user.unblocked",
            AuditAction::UserRemovedFromClient => "user.client_removed",
            AuditAction::UserRemoved => "user.removed",
            AuditAction::DormantWarned => "user.dormant_warned",
            AuditAction::OfficeDormant => "office.dormant",
            AuditAction::UsersImported => "users.imported",
            AuditAction::DataExported => "user.data_exported",
            AuditAction::OidcLogin => "oidc.login",
            AuditAction::OidcRefused => "oidc.refused",
            AuditAction::OidcCodeReplayed => "oidc.code_replayed",
            AuditAction::OidcLogout => "oidc.logout",
            AuditAction::OidcLogoutFailed => "oidc.logout_failed",
            AuditAction::ApplicationAdded => "application.added",
            AuditAction::ApplicationSecret => "application.secret",
            AuditAction::ApplicationOff => "application.off",
            AuditAction::ApplicationOn => "application.on",
            AuditAction::ApplicationRemoved => "application.removed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::LoginOk => "Ingelogd",
            AuditAction::LoginPasswordOk => "Wachtwoord goed, wacht op code",
            AuditAction::LoginFailed => "Inloggen mislukt",
            AuditAction::Logout => "Uitgelogd",
            AuditAction::CodeFailed => "Onjuiste code",
            AuditAction::SmsSent => "SMS verstuurd",
            AuditAction::SmsFailed => "SMS niet verstuurd",
            AuditAction::SmsDelivered => "SMS afgeleverd",
            AuditAction::SmsUndelivered => "SMS niet afgeleverd",
            AuditAction::StepUpOk => "Bevestigd (wachtwoord en code)",
            AuditAction::StepUpFailed => "Bevestigen mislukt",
            AuditAction::AuthenticatorBound => "Authenticator gekoppeld",
            AuditAction::AuthenticatorUnbound => "Authenticator ontkoppeld",
            AuditAction::AuthenticatorReset => "Authenticator gereset",
            AuditAction::RecoveryCreated => "Herstelcodes gemaakt",
            AuditAction::RecoveryUsed => "Herstelcode gebruikt",
            AuditAction::UserMobile => "Mobiel nummer gewijzigd",
            AuditAction::UserMobileConfirmed => "Mobiel nummer bevestigd",
            AuditAction::UserTwoFactor => "Inlog met twee-factor-authenticatie gewijzigd",
            AuditAction::UserTwoFactorChoice => "Eigen keuze twee-factor gewijzigd",
            AuditAction::UserDisplayName => "Naam gewijzigd",
            AuditAction::UserEmail => "E-mailadres gewijzigd",
            AuditAction::SessionsEnded => "Sessies beëindigd",
            AuditAction::TrustedAdded => "Apparaat onthouden",
            AuditAction::TrustedForgotten => "Apparaat vergeten",
            AuditAction::OfficeTrustDays => "Dagen apparaat onthouden gewijzigd",
            AuditAction::ClientTwoFactorPolicy => "Authenticatie van cliënt gewijzigd",
            AuditAction::PasskeyAdded => "Passkey toegevoegd",
            AuditAction::PasskeyRemoved => "Passkey verwijderd",
            AuditAction::PasskeysReset => "Passkeys verwijderd door beheerder",
            AuditAction::PasskeyCounterBackwards => {
                "Passkey geweigerd (teller terug: mogelijk gekopieerd)"
            }
            AuditAction::OfficePasskeys => "Passkey-instellingen van kantoor gewijzigd",
            AuditAction::DateReminderSent => "Herinnering 'Verplicht vanaf' gemaild",
            AuditAction::PasswordResetSent => "Herstellink gemaild",
            AuditAction::PasswordReset => "Wachtwoord hersteld met link",
            AuditAction::PasswordChanged => "Wachtwoord gewijzigd",
            AuditAction::PasswordChosen => "Wachtwoord gekozen (uitnodiging)",
            AuditAction::ClientAdded => "Cliënt toegevoegd",
            AuditAction::ClientRenamed => "Naam van cliënt gewijzigd",
            AuditAction::UserInvited => "Gebruiker uitgenodigd",
            AuditAction::InvitationResent => "Uitnodiging opnieuw verstuurd",
            AuditAction::UserAddedToClient => "Gebruiker aan cliënt toegevoegd",
            AuditAction::UserEmailRequested => "Nieuw e-mailadres opgegeven (wacht op bevestiging)",
            AuditAction::EmailConfirmationSent => "Bevestigingslink voor e-mailadres gemaild",
            AuditAction::SessionEndedByUser => "Andere sessie uitgelogd",
            AuditAction::LoginBlocked => "Inloggen geweigerd (account geblokkeerd)",
            AuditAction::UserBlocked => "Account geblokkeerd",
            AuditAction::UserUnblocked => "Blokkade opgeheven",
            AuditAction::UserRemovedFromClient => "Gebruiker van cliënt verwijderd",
            AuditAction::UserRemoved => "Account verwijderd",
            AuditAction::DormantWarned => "Gewaarschuwd: account wordt geblokkeerd (niet ingelogd)",
            AuditAction::OfficeDormant => "Instelling 'Niet ingelogd' van kantoor gewijzigd",
            AuditAction::UsersImported => "Gebruikers geïmporteerd",
            AuditAction::DataExported => "Gegevens gedownload (AVG)",
            AuditAction::OidcLogin => "Ingelogd bij koppeling",
            AuditAction::OidcRefused => "Koppeling geweigerd",
            AuditAction::OidcCodeReplayed => {
                "Code van koppeling twee keer gebruikt (toegang ingetrokken)"
            }
            AuditAction::OidcLogout => "Afgemeld bij koppeling",
            AuditAction::OidcLogoutFailed => "Afmelden bij koppeling mislukt",
            AuditAction::ApplicationAdded => "Koppeling toegevoegd",
            AuditAction::ApplicationSecret => "Nieuw geheim voor koppeling",
            AuditAction::ApplicationOff => "Koppeling uitgezet",
            AuditAction::ApplicationOn => "Koppeling aangezet",
            AuditAction::ApplicationRemoved => "Koppeling verwijderd",
        }
    }

    /// The action stored as `stored`, if it is one of ours.
    pub fn from_stored(stored: &str) -> Option<AuditAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == stored)
    }

    /// Its old or new value names or reaches a person (a number, an
    /// address, a name, a passkey's name): taken out of the Logboek when
    /// the account is removed.
    pub fn values_identify(self) -> bool {
        matches!(
            self,
            AuditAction::SmsSent
                | AuditAction::SmsFailed
                | AuditAction::SmsDelivered
                | AuditAction::SmsUndelivered
                | AuditAction::UserMobile
                | AuditAction::UserMobileConfirmed
                | AuditAction::UserDisplayName
                | AuditAction::UserEmail
                | AuditAction::UserEmailRequested
                | AuditAction::EmailConfirmationSent
                | AuditAction::PasskeyAdded
                | AuditAction::PasskeyRemoved
                | AuditAction::TrustedAdded
                | AuditAction::TrustedForgotten
                | AuditAction::UserInvited
                | AuditAction::InvitationResent
                | AuditAction::DataExported
        )
    }

    /// Its old and new value are mobile numbers, which screens show masked.
    pub fn carries_phone(self) -> bool {
        matches!(
            self,
            AuditAction::SmsSent
                | AuditAction::SmsFailed
                | AuditAction::UserMobile
                | AuditAction::UserMobileConfirmed
        )
    }
}

/// Shows a phone number as its last two digits, e.g. `******01`.
pub fn mask_phone(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(|c| c.is_ascii_digit()).collect();
    let shown = digits.len().min(2);
    let hidden = digits.len().saturating_sub(shown).min(8);
    let tail: String = digits[digits.len() - shown..].iter().collect();
    format!("{}{}", "*".repeat(hidden), tail)
}

/// Whether this session may change how the account logs in now, and
/// what proves the user when it may not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepUpStatus {
    /// Seconds the last step-up still holds (0: a step-up is needed).
    pub seconds_left: i64,
    /// A bound app's code proves the user.
    pub app: bool,
    /// An SMS code to this (masked, stored) number proves the user.
    pub sms_to: Option<String>,
    /// Seconds the newest step-up SMS code stays valid.
    pub sms_valid_for: i64,
    /// Seconds before another SMS may be sent.
    pub resend_in: i64,
    /// Unused recovery codes prove the user too (a lost phone).
    pub recovery: bool,
    /// A passkey proves the user ('Bevestigen met je passkey').
    pub passkey: bool,
}

impl StepUpStatus {
    /// Without app, number or recovery codes, the password alone proves
    /// the user.
    pub fn needs_code(&self) -> bool {
        self.app || self.sms_to.is_some() || self.recovery
    }
}

// ---------------------------------------------------------------- Logboek

/// The Dutch label of a stored action; an action without one (added later,
/// or from an older version) shows as it is stored.
pub fn kind_label(action: &str) -> &str {
    AuditAction::from_stored(action).map_or(action, |kind| kind.label())
}

/// What the beheerder asked for; `None` is "all".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFilter {
    pub user: Option<i64>,
    pub action: Option<String>,
    /// Rows older than this id: the next page down.
    pub before: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRow {
    pub id: i64,
    /// Dutch local time, `26-11-2026 14:05:09`.
    pub at: String,
    /// Login name of who did it; none for a failed login.
    pub actor: Option<String>,
    pub action: String,
    pub subject: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPage {
    pub rows: Vec<LogRow>,
    /// Where the next (older) page starts, when there is one.
    pub older: Option<i64>,
}

/// A user to filter on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogUser {
    pub id: i64,
    pub login_name: String,
    pub display_name: String,
}

// ---------------------------------------------------------------- texts

/// "over 15 minuten", for the messages.
pub fn minutes_text(seconds: i64) -> String {
    let minutes = (seconds + 59) / 60;
    if minutes <= 1 {
        "over 1 minuut".into()
    } else {
        format!("over {minutes} minuten")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_are_rounded_up_for_people() {
        assert_eq!(minutes_text(900), "over 15 minuten");
        assert_eq!(minutes_text(61), "over 2 minuten");
        assert_eq!(minutes_text(5), "over 1 minuut");
    }

    #[test]
    fn policy_round_trips_through_its_stored_form() {
        for policy in TwoFactorPolicy::ALL {
            assert_eq!(TwoFactorPolicy::from_db(policy.as_db()), Some(policy));
        }
        assert_eq!(TwoFactorPolicy::from_db("misschien"), None);
        assert_eq!(TwoFactorPolicy::default(), TwoFactorPolicy::Nee);
    }

    #[test]
    fn audit_actions_round_trip_and_are_named_once() {
        let mut stored: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_stored(action.as_str()), Some(action));
        }
        stored.sort();
        stored.dedup();
        assert_eq!(stored.len(), AuditAction::ALL.len(), "no name twice");
        assert_eq!(AuditAction::from_stored("login.okay"), None);
    }

    #[test]
    fn masked_phone_shows_only_the_last_two_digits() {
        assert_eq!(mask_phone("+31612345601"), "********01");
        assert_eq!(mask_phone("7"), "7");
        assert_eq!(mask_phone(""), "");
    }
}

/// 'Koppelingen': the office's registered applications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationsView {
    pub applications: Vec<ApplicationRow>,
    /// The address applications find the provider at (its issuer).
    pub issuer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationRow {
    pub id: i64,
    pub name: String,
    pub client_id: String,
    /// With a secret; otherwise public (PKCE only).
    pub confidential: bool,
    pub redirect_uris: Vec<String>,
    pub logout_uri: Option<String>,
    /// 'Voor wie', as the list says it.
    pub audience: String,
    /// 'Twee factoren' or 'Passkey'.
    pub strength: String,
    pub enabled: bool,
    /// 'Laatst gebruikt', or `None`: never.
    pub last_used: Option<String>,
}

/// A registration or a new secret: the secret is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationCredentials {
    pub client_id: String,
    pub secret: Option<String>,
}
