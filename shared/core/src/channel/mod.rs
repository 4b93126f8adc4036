//! The WhatsApp channel's rules: what customers send and what turno sends back, transcripts
//! and delivery states, and the 24-hour customer service window.

pub mod attachment;
mod content;
pub mod message;
pub mod opt_out;
pub mod template_form;
pub mod templates;
pub mod window;
