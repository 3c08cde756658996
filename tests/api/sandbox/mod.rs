//! The sandbox's phone simulator (`/sandbox`): a member of staff plays a person
//! on a sandbox number. What they do reaches Assent through the webhook intake
//! signed as Meta signs it, and the phone shows what Assent sent back.

mod browser;
mod simulator;
