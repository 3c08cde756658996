//! Pages in a real headless Chromium, driven through chromedriver with fantoccini.
//!
//! One chromedriver serves the whole test binary: `driver()` starts it on first use
//! on a free port, inside a small shell that ends it (and the browsers it started)
//! when the test binary exits and the shell's standard input closes. Each test gets
//! its own browser session with a fresh profile: `Browser::start()`, then `resize`
//! to `PHONE` or `DESKTOP`, `goto`, and the checks `assert_clean_console` (no
//! SEVERE entry, no Content-Security-Policy violation in the browser console, read
//! through chromedriver's `se/log` command), `assert_no_sideways_scroll`, and
//! `screenshot` (PNGs in `<target>/screenshots/`).
//!
//! When the browser cannot start, `Browser::start()` prints `SKIPPED: <why>` and
//! returns None, except under CI=true, where the test fails.

use super::free_port;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use serde_json::{Value, json};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The size of the page area (the viewport, not the window).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewport {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
}

pub const PHONE: Viewport = Viewport {
    name: "phone",
    width: 390,
    height: 844,
};

pub const DESKTOP: Viewport = Viewport {
    name: "desktop",
    width: 1280,
    height: 800,
};

// --- the shared chromedriver -------------------------------------------------------

/// The chromedriver of this test binary. The shell around it ends it (and the
/// browsers it started) when `_stdin` closes: when the Driver is dropped, or, for the
/// shared one that lives as long as the binary, when this process exits, however it
/// exits.
struct Driver {
    url: String,
    _shell: Child,
    _stdin: ChildStdin,
}

static DRIVER: tokio::sync::OnceCell<Result<Driver, String>> = tokio::sync::OnceCell::const_new();

/// `$CHROMEDRIVER`, or Debian's chromedriver, if it is there.
fn chromedriver_path() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(CHROMEDRIVER));
    path.exists().then_some(path)
}

async fn start_driver() -> Result<Driver, String> {
    let path = chromedriver_path().ok_or_else(|| {
        "chromedriver not found (apt-get install chromium chromium-driver)".to_owned()
    })?;
    let port = free_port();
    // The shell starts chromedriver in the background and waits for its own input
    // to end; then it ends its whole process group: chromedriver and any browser
    // a failed test left open.
    let mut shell = Command::new("sh")
        .arg("-c")
        .arg(r#""$@" & read -r _; kill -TERM 0"#)
        .arg("sh")
        .arg(&path)
        .arg(format!("--port={port}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
    let stdin = shell.stdin.take().unwrap();
    let driver = Driver {
        url: format!("http://127.0.0.1:{port}"),
        _shell: shell,
        _stdin: stdin,
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(r) = client.get(format!("{}/status", driver.url)).send().await
            && r.status().is_success()
        {
            return Ok(driver);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{} did not answer on port {port} within 15 s",
                path.display()
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The URL of the shared chromedriver, started on first use.
async fn driver() -> Result<&'static str, String> {
    match DRIVER.get_or_init(start_driver).await {
        Ok(driver) => Ok(&driver.url),
        Err(why) => Err(why.clone()),
    }
}

/// Skips the test (None) when the browser cannot run here; fails it under CI=true.
fn skip<T>(why: &str) -> Option<T> {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the browser tests cannot run: {why} (required in CI)"
    );
    eprintln!("SKIPPED: {why}");
    None
}

// --- a browser session ---------------------------------------------------------------

/// chromedriver's `POST /session/{id}/se/log` with `{"type": "browser"}`: the
/// browser console since the last call.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// One entry of the browser console.
#[derive(Debug)]
pub struct ConsoleEntry {
    pub level: String,
    pub message: String,
}

pub struct Browser {
    pub client: fantoccini::Client,
    viewport: Viewport,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A new headless Chromium session (fresh profile), or None when this machine
    /// cannot run one (said as `SKIPPED: why`; under CI=true the test fails).
    pub async fn start() -> Option<Self> {
        let url = match driver().await {
            Ok(url) => url,
            Err(why) => return skip(&why),
        };
        let profile = tempfile::tempdir().unwrap();
        let mut chrome = json!({"args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            format!("--user-data-dir={}", profile.path().display()),
        ]});
        if Path::new(CHROMIUM).exists() {
            chrome["binary"] = json!(CHROMIUM);
        }
        let mut capabilities = Capabilities::new();
        capabilities.insert("goog:chromeOptions".into(), chrome);
        capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let mut builder = match fantoccini::ClientBuilder::rustls() {
            Ok(builder) => builder,
            Err(e) => return skip(&format!("no TLS roots for the WebDriver client: {e}")),
        };
        let client = match builder.capabilities(capabilities).connect(url).await {
            Ok(client) => client,
            Err(e) => return skip(&format!("chromedriver could not start Chromium: {e}")),
        };
        let mut browser = Self {
            client,
            viewport: DESKTOP,
            _profile: profile,
        };
        browser.resize(DESKTOP).await;
        Some(browser)
    }

    /// Sizes the window so that the viewport (`window.innerWidth` × `innerHeight`)
    /// is exactly `viewport`.
    pub async fn resize(&mut self, viewport: Viewport) {
        if !self.try_resize(viewport).await {
            let got = self.inner_size().await;
            panic!("cannot make the viewport {viewport:?}: it is {got:?}");
        }
    }

    /// `resize`, false when the window would not come out exactly right.
    async fn try_resize(&mut self, viewport: Viewport) -> bool {
        let (mut width, mut height) = (viewport.width, viewport.height);
        for _ in 0..5 {
            self.client.set_window_size(width, height).await.unwrap();
            let mut inner = self.inner_size().await;
            if inner != (viewport.width, viewport.height) {
                // A busy browser may still be laying the page out at the old size.
                tokio::time::sleep(Duration::from_millis(200)).await;
                inner = self.inner_size().await;
            }
            let (inner_width, inner_height) = inner;
            if (inner_width, inner_height) == (viewport.width, viewport.height) {
                self.viewport = viewport;
                return true;
            }
            // The window is larger than the page area by its frame; a window
            // that came out larger than asked (a wider page before) shrinks back.
            let fit = |window: u32, want: u32, inner: u32| {
                (i64::from(window) + i64::from(want) - i64::from(inner)).max(1) as u32
            };
            width = fit(width, viewport.width, inner_width);
            height = fit(height, viewport.height, inner_height);
        }
        false
    }

    pub fn viewport(&self) -> Viewport {
        self.viewport
    }

    async fn inner_size(&self) -> (u32, u32) {
        let size = self
            .client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .unwrap();
        let n = |v: &Value| v.as_u64().unwrap() as u32;
        (n(&size[0]), n(&size[1]))
    }

    /// Opens `url` and waits until it has loaded.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// Types `text` into the field at `selector`, replacing what it held.
    pub async fn fill(&self, selector: &str, text: &str) {
        let field = self
            .client
            .find(fantoccini::Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no {selector}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks what is at `selector` on this page (a checkbox, a radio button).
    pub async fn tick(&self, selector: &str) {
        self.client
            .find(fantoccini::Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no {selector}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Clicks what is at `selector` and waits for the page it leads to.
    pub async fn click(&self, selector: &str) {
        self.eval("window.assentBeforeClick = true; return null;")
            .await;
        self.client
            .find(fantoccini::Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no {selector}: {e}"))
            .click()
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let state = self
                .eval("return [window.assentBeforeClick === true, document.readyState];")
                .await;
            if state == json!([false, "complete"]) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no new page after clicking {selector}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The page's text as a person reads it.
    pub async fn text(&self) -> String {
        self.eval("return document.body.innerText;")
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The checks every page passes (nothing in the browser console, no sideways
    /// scrolling) and its screenshot.
    pub async fn check(&self, name: &str) {
        self.assert_clean_console().await;
        self.assert_no_sideways_scroll().await;
        self.screenshot(name).await;
    }

    /// `check`, and a screenshot of the whole page for people to read it all.
    pub async fn check_whole(&mut self, name: &str) {
        self.check(name).await;
        self.screenshot_whole(name).await;
    }

    /// The page from top to bottom, `<name>-whole-<viewport>.png`, at most 2400 px
    /// tall; the viewport is put back. A busy Chromium sometimes will not make a
    /// window that tall: the picture is then of what it made (it is for people to
    /// read, and asserts nothing).
    pub async fn screenshot_whole(&mut self, name: &str) {
        let viewport = self.viewport();
        let height = self
            .eval("return document.documentElement.scrollHeight;")
            .await
            .as_u64()
            .unwrap() as u32;
        self.try_resize(Viewport {
            height: height.clamp(viewport.height, 2400),
            ..viewport
        })
        .await;
        self.screenshot(&format!("{name}-whole")).await;
        self.resize(viewport).await;
    }

    /// Runs `script` (a function body that returns something) in the page.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    /// The console entries since the last call.
    pub async fn console(&self) -> Vec<ConsoleEntry> {
        let log = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .unwrap_or_else(|e| panic!("chromedriver gave no browser log: {e}"));
        log.as_array()
            .unwrap_or_else(|| panic!("the browser log is not a list: {log}"))
            .iter()
            .map(|e| ConsoleEntry {
                level: e["level"].as_str().unwrap_or_default().to_owned(),
                message: e["message"].as_str().unwrap_or_default().to_owned(),
            })
            .collect()
    }

    /// Fails on any SEVERE console entry (a script error, a failed request) and on
    /// any Content-Security-Policy violation ("Refused to … Content Security Policy").
    pub async fn assert_clean_console(&self) {
        let entries = self.console().await;
        let bad: Vec<&ConsoleEntry> = entries
            .iter()
            .filter(|e| e.level == "SEVERE" || e.message.contains("Content Security Policy"))
            .collect();
        assert!(
            bad.is_empty(),
            "the browser console on the {} has errors: {bad:#?}",
            self.viewport.name
        );
    }

    /// Like `assert_clean_console`, where a form was refused on purpose: the 422 it
    /// answered is logged as a failed load, and nothing else may be.
    pub async fn assert_clean_console_except_422(&self) {
        let entries = self.console().await;
        let bad: Vec<&ConsoleEntry> = entries
            .iter()
            .filter(|e| !e.message.contains("status of 422"))
            .filter(|e| e.level == "SEVERE" || e.message.contains("Content Security Policy"))
            .collect();
        assert!(
            bad.is_empty(),
            "the browser console on the {} has errors: {bad:#?}",
            self.viewport.name
        );
    }

    /// The page is no wider than the viewport: nobody has to scroll sideways.
    pub async fn assert_no_sideways_scroll(&self) {
        let sizes = self
            .eval("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await;
        let (scroll_width, inner_width) = (sizes[0].as_u64().unwrap(), sizes[1].as_u64().unwrap());
        if scroll_width > inner_width {
            let wide = self
                .eval(
                    "return [...document.querySelectorAll('body *')]\
                     .filter(e => e.getBoundingClientRect().right > window.innerWidth)\
                     .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''))\
                     .slice(0, 10);",
                )
                .await;
            panic!(
                "the page {} scrolls sideways on the {}: {scroll_width} px wide in a {inner_width} px viewport; too wide: {wide}",
                self.eval("return location.pathname;").await,
                self.viewport.name
            );
        }
    }

    /// Saves what the viewport shows as `<target>/screenshots/<name>-<viewport>.png`,
    /// for people to look at; returns the path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.unwrap();
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}-{}.png", self.viewport.name));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Ends the session (and its browser).
    pub async fn close(self) {
        self.client.close().await.unwrap();
    }
}

/// `$CARGO_TARGET_DIR/screenshots`, or `target/screenshots` in the workspace.
pub fn screenshots_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| manifest.join(t))
        .unwrap_or_else(|| manifest.join("target"));
    target.join("screenshots")
}
