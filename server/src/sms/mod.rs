//! The SMS senders behind `app::sms::SmsSender`: the development outbox
//! (a file, no message leaves the machine) and Twilio's HTTP API.

pub mod outbox;
pub mod twilio;
