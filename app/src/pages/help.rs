//! 'Help': what two-factor login is. The wizard that binds an authenticator
//! app will start from here.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HelpPage() -> impl IntoView {
    view! {
        <Title text="Help – Tweestap" />
        <h1>"Help"</h1>
        <h2>"Inloggen met twee-factor-authenticatie"</h2>
        <p>
            "2-factor inlog is een veiligere manier van inloggen dan alleen een inlognaam en wachtwoord. "
            "Na je wachtwoord vul je dan ook een beveiligingscode in. Die krijg je per SMS, "
            "of je authenticator app maakt hem op je telefoon."
        </p>
        <p>
            "Of je die extra stap moet doen, stelt je administratiekantoor in. "
            "Een wijziging geldt vanaf de volgende keer dat je inlogt."
        </p>
        <h2>"Authenticator app"</h2>
        <p>
            "Een SMS komt niet altijd meteen aan. Met een authenticator app maakt je telefoon de code zelf. "
            <leptos_router::components::A href="/help/authenticator">"Authenticator app koppelen"</leptos_router::components::A>
            " loopt de stappen met je door."
        </p>
        <h2>"Passkey"</h2>
        <p>
            "Met een passkey bevestig je het inloggen met de vingerafdruk, het gezicht of de pincode van je apparaat, of met een beveiligingssleutel. "
            "Een passkey werkt alleen op deze portal: een nagemaakte inlogpagina kan er niets mee. "
            <leptos_router::components::A href="/help/passkey">"Passkey instellen"</leptos_router::components::A>
            " loopt de stappen met je door."
        </p>
    }
}
