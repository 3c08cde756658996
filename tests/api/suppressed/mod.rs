//! A suppressed (erased) person who writes again (SPEC §6.5): asked like anyone
//! new, held until they accept, and accepting lifts the suppression.

mod returning;
