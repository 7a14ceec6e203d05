//! The reverse proxy's question, "may this request pass?" (`GET
//! /auth/verify`): the same session and strength rules as an application,
//! for a host configured as protected (`--protect`).

use http::HeaderMap;

use super::{authorize::current_session, groups_of};
use crate::{
    core::Core, domain::return_to::authority, error::AppError, storage::users::UserRecord,
};

#[derive(Debug, Clone)]
pub enum Verdict {
    /// Pass, as this user with these groups.
    Pass {
        user: Box<UserRecord>,
        groups: Vec<String>,
    },
    /// No session: to the login, and back to the original address.
    LogIn,
    /// A session too weak for the host: to the step-up, and back.
    StepUp,
    /// Not a protected host (or no readable address): refused outright.
    NotProtected,
}

pub async fn verify(
    core: &Core,
    headers: &HeaderMap,
    original: &url::Url,
) -> Result<Verdict, AppError> {
    let Some(strength) = authority(original).and_then(|a| core.links.protected.strength_for(&a))
    else {
        crate::metrics::forward_auth("refused");
        return Ok(Verdict::NotProtected);
    };
    let Some(auth) = current_session(core, headers).await? else {
        crate::metrics::forward_auth("login");
        return Ok(Verdict::LogIn);
    };
    if !strength.met_by(auth.login_method) {
        crate::metrics::forward_auth("step_up");
        return Ok(Verdict::StepUp);
    }
    crate::metrics::forward_auth("pass");
    let groups = groups_of(core, &auth.user).await?;
    Ok(Verdict::Pass {
        user: Box::new(auth.user),
        groups,
    })
}
