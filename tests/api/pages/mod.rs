//! Server-rendered pages.

mod landing;
