//! SLA policies and clocks.
//!
//! A ticket carries up to four clocks, each counting business time of its policy's calendar:
//!
//! | clock | starts | stops |
//! |---|---|---|
//! | first response | handoff to a human queue | the first public reply by a person |
//! | next response | a customer message after a person replied | the next reply by a person |
//! | resolution | handoff | resolve |
//! | escalate after | handoff | resolve; when due, the ticket moves up a tier |
//!
//! Running clocks pause while the ticket waits on the customer (pending) or is snoozed. A
//! policy change (priority, tier, team, tags) keeps the business time already elapsed and
//! measures what is left against the new targets. A warning fires at a share of the target and
//! a breach at the deadline; each is recorded once, by a conditional write of the ticket.

pub mod calendar;
mod clock;
mod policy;

pub use clock::*;
pub use policy::*;

#[cfg(test)]
mod tests;
