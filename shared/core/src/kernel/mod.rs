//! The words every context shares: ids, languages, text normalisation, priorities and tiers.

pub mod ids;
pub mod lang;
pub mod levels;
pub mod text;
