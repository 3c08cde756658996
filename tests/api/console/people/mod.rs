//! A person's record in the console (`/admin/contacts/{id}`): the timeline with
//! its evidence, receipts, the access download and erasure, for compliance staff
//! and admins only.

mod access;
mod browser;
mod erasure;
mod receipts;
mod roles;
mod timeline;
