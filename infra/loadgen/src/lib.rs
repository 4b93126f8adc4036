//! The load generator's library: load runs against the local runner (`load`: the burst and
//! the sustained run, with a fake Graph API), and the month simulator (`simulate-month`),
//! which builds a realistic month of a workspace straight through the use cases on a
//! simulated clock and then times what the console and the reports read.

pub mod load;
pub mod sim;
