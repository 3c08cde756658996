//! Server-rendered pages: over HTTP, and in a real headless Chromium on a phone and a
//! desktop (clean console, no sideways scrolling, screenshots in target/screenshots).

mod errors;
mod landing;
mod notice;
