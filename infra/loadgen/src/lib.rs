//! The load generator's library: the month simulator (`simulate-month`), which builds a
//! realistic month of a workspace straight through the use cases on a simulated clock and
//! then times what the console and the reports read.

pub mod sim;
