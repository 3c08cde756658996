//! Access and erasure requests from outside the console: the business's systems
//! through the API (`GET /api/v1/access`, `POST /api/v1/erasures`) and operators
//! at the command line (`assent contact show|erase`). Each acts on the key's (or
//! the named) number only, and is audited with its actor.

mod access_api;
mod erasure_api;
mod operator;
