//! `/qr/{code}.png` and `/qr/{code}.svg`: QR codes of the tracking link (or of
//! the wa.me link), read back with a QR decoder.

use super::*;
use image::{GrayImage, Luma};

/// The one QR code in the picture, decoded.
pub fn decode(image: GrayImage) -> String {
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    let (meta, content) = grids[0].decode().expect("the QR code decodes");
    // Level Q or H: a printed code survives a smudge (rqrr: 0 M, 1 L, 2 H, 3 Q).
    assert!(
        [2, 3].contains(&meta.ecc_level),
        "error correction {}",
        meta.ecc_level
    );
    content
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.page(path).await
}

async fn png(app: &TestApp, path: &str) -> GrayImage {
    let r = get(app, path).await;
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(r.headers()["content-type"], "image/png", "{path}");
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=86400",
        "{path}"
    );
    assert!(r.headers().get("set-cookie").is_none(), "{path}");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{path}");
    image::load_from_memory(&bytes)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .to_luma8()
}

#[tokio::test]
async fn the_png_reads_back_as_the_tracking_link_at_the_size_asked_for() {
    let app = TestApp::spawn().await;
    let ep = spring(&app).await;
    let tracking = format!("https://assent.example/l/{CODE}");
    assert_eq!(ep["tracking_url"], tracking.as_str(), "{ep}");

    let default = png(&app, &format!("/qr/{CODE}.png")).await;
    assert_eq!(default.dimensions(), (512, 512));
    assert_eq!(decode(default), tracking);
    for size in [128, 300, 777] {
        let image = png(&app, &format!("/qr/{CODE}.png?size={size}")).await;
        assert_eq!(image.dimensions(), (size, size));
        assert_eq!(decode(image), tracking, "size {size}");
    }
    let largest = png(&app, &format!("/qr/{CODE}.png?size=2048")).await;
    assert_eq!(largest.dimensions(), (2048, 2048));

    // With ?target=wa, the wa.me link itself.
    let wa = png(&app, &format!("/qr/{CODE}.png?target=wa&size=600")).await;
    assert_eq!(wa.dimensions(), (600, 600));
    assert_eq!(decode(wa), ep["wa_me_url"].as_str().unwrap());
    let tracked = png(&app, &format!("/qr/{CODE}.png?target=tracking")).await;
    assert_eq!(decode(tracked), tracking);

    // The URLs the API gives are these.
    assert_eq!(
        ep["qr_png_url"],
        format!("https://assent.example/qr/{CODE}.png")
    );
    assert_eq!(
        ep["qr_svg_url"],
        format!("https://assent.example/qr/{CODE}.svg")
    );
}

#[tokio::test]
async fn a_quiet_zone_of_four_modules_at_least_surrounds_the_png() {
    let app = TestApp::spawn().await;
    spring(&app).await;
    for size in [128, 512, 1000] {
        let image = png(&app, &format!("/qr/{CODE}.png?size={size}")).await;
        let dark: Vec<(u32, u32)> = image
            .enumerate_pixels()
            .filter(|(_, _, p)| p.0[0] < 128)
            .map(|(x, y, _)| (x, y))
            .collect();
        let left = dark.iter().map(|d| d.0).min().unwrap();
        let right = dark.iter().map(|d| d.0).max().unwrap();
        let top = dark.iter().map(|d| d.1).min().unwrap();
        let bottom = dark.iter().map(|d| d.1).max().unwrap();
        // The top-left finder pattern's first row is 7 modules wide.
        let run = (left..)
            .take_while(|&x| image.get_pixel(x, top).0[0] < 128)
            .count() as u32;
        assert_eq!(run % 7, 0, "size {size}: finder run {run}");
        let module = run / 7;
        for (side, margin) in [
            ("left", left),
            ("top", top),
            ("right", size - 1 - right),
            ("bottom", size - 1 - bottom),
        ] {
            assert!(
                margin >= 4 * module,
                "size {size}: {side} margin {margin}px < 4 modules of {module}px"
            );
        }
    }
}

#[tokio::test]
async fn bad_sizes_targets_and_codes_are_refused_with_pages() {
    let app = TestApp::spawn().await;
    spring(&app).await;
    for query in [
        "size=127",
        "size=2049",
        "size=0",
        "size=-5",
        "size=big",
        "size=",
        "size=512.5",
        "target=elsewhere",
    ] {
        let path = format!("/qr/{CODE}.png?{query}");
        assert_page(&path, get(&app, &path).await, 400).await;
    }
    for path in [
        "/qr/NOPE-NOPE.png",
        "/qr/NOPE-NOPE.svg",
        "/qr/NOPE-NOPE.png?target=wa",
        "/qr/SPRING-26.gif",
        "/qr/SPRING-26",
    ] {
        assert_page(path, get(&app, path).await, 404).await;
    }
    // A QR code counts no visit.
    png(&app, &format!("/qr/{CODE}.png")).await;
    assert_eq!(shown(&app, CODE).await["stats"]["visits"], 0);
}

#[tokio::test]
async fn a_wa_me_link_too_long_for_a_printable_code_is_refused_but_the_tracking_link_is_not() {
    let app = TestApp::spawn().await;
    // 400 Chinese characters: each is 9 characters once percent-encoded.
    let text = format!("{} LONG-1", "你好".repeat(200));
    let (status, ep) = app
        .new_entry_point(
            &json!({"code": "LONG-1", "name": "Long", "categories": ["offers"],
            "prefilled_text": text}),
        )
        .await;
    assert_eq!(status, 201, "{ep}");
    assert_page("wa", get(&app, "/qr/LONG-1.png?target=wa").await, 400).await;
    assert_page("wa svg", get(&app, "/qr/LONG-1.svg?target=wa").await, 400).await;
    let image = png(&app, "/qr/LONG-1.png?size=128").await;
    assert_eq!(decode(image), "https://assent.example/l/LONG-1");
}

/// The SVG's tags, checked to be one `<svg>` of `<rect>`s and `<path>`s and
/// nothing else, well formed; returns (tag name, attributes) of each element.
fn elements(svg: &str) -> Vec<(String, Vec<(String, String)>)> {
    let rest = svg
        .strip_prefix(r#"<?xml version="1.0" standalone="yes"?>"#)
        .unwrap_or_else(|| panic!("an XML declaration: {svg}"));
    let mut elements = Vec::new();
    let mut open = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        assert!(rest.starts_with('<'), "text outside tags: {rest}");
        let end = rest.find('>').expect("tags close");
        let tag = &rest[1..end];
        rest = rest[end + 1..].trim_start();
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "closing tags match");
            continue;
        }
        let closed = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, mut attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        assert!(
            ["svg", "rect", "path"].contains(&name),
            "only svg, rect and path: <{name}>"
        );
        let mut parsed = Vec::new();
        loop {
            attrs = attrs.trim_start();
            if attrs.is_empty() {
                break;
            }
            let (key, value) = attrs.split_once("=\"").expect("quoted attributes");
            let close = value.find('"').expect("attribute values close");
            assert!(
                !value[..close].contains(['<', '&']),
                "plain attribute values"
            );
            parsed.push((key.to_owned(), value[..close].to_owned()));
            attrs = &value[close + 1..];
        }
        if !closed {
            open.push(name.to_owned());
        }
        elements.push((name.to_owned(), parsed));
    }
    assert!(open.is_empty(), "every element is closed: {open:?}");
    assert_eq!(elements[0].0, "svg", "the root is <svg>");
    assert_eq!(
        elements.iter().filter(|(n, _)| n == "svg").count(),
        1,
        "one <svg>"
    );
    elements
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> &'a str {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {key} in {attrs:?}"))
}

/// Draws the SVG (a light background rect, dark rects as `M x y h w v h H x V y`
/// path pieces): the picture and the size of a module.
pub fn rasterise(svg: &str) -> (GrayImage, u32) {
    let elements = elements(svg);
    let root = &elements[0].1;
    assert_eq!(attr(root, "xmlns"), "http://www.w3.org/2000/svg");
    let view: Vec<u32> = attr(root, "viewBox")
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(view[..2], [0, 0], "viewBox {view:?}");
    let (width, height) = (view[2], view[3]);
    assert_eq!(width, height, "square");
    let mut image = GrayImage::from_pixel(width, height, Luma([128]));
    let mut module = None;
    for (name, attrs) in &elements[1..] {
        match name.as_str() {
            "rect" => {
                assert_eq!(attr(attrs, "fill"), "#ffffff");
                let n = |k| attr(attrs, k).parse::<u32>().unwrap();
                for y in n("y")..n("y") + n("height") {
                    for x in n("x")..n("x") + n("width") {
                        image.put_pixel(x, y, Luma([255]));
                    }
                }
            }
            "path" => {
                assert_eq!(attr(attrs, "fill"), "#000000");
                for piece in attr(attrs, "d").split('M').filter(|p| !p.is_empty()) {
                    let n: Vec<u32> = piece
                        .split([' ', 'h', 'v', 'H', 'V'])
                        .map(|n| n.parse().unwrap())
                        .collect();
                    let [x, y, w, h, x2, y2] = n[..] else {
                        panic!("a rectangle: {piece}");
                    };
                    assert_eq!((x2, y2), (x, y), "{piece}");
                    assert_eq!(w, h, "square modules: {piece}");
                    assert_eq!(*module.get_or_insert(w), w, "one module size");
                    for yy in y..y + h {
                        for xx in x..x + w {
                            image.put_pixel(xx, yy, Luma([0]));
                        }
                    }
                }
            }
            other => panic!("<{other}> inside the svg"),
        }
    }
    assert!(
        image.pixels().all(|p| p.0[0] != 128),
        "the background covers the picture"
    );
    (image, module.expect("dark modules"))
}

#[tokio::test]
async fn the_svg_is_plain_rects_and_paths_and_reads_back() {
    let app = TestApp::spawn().await;
    let ep = spring(&app).await;
    for (query, want) in [
        ("", format!("https://assent.example/l/{CODE}")),
        ("?target=wa", ep["wa_me_url"].as_str().unwrap().to_owned()),
    ] {
        let path = format!("/qr/{CODE}.svg{query}");
        let r = get(&app, &path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "image/svg+xml", "{path}");
        assert_eq!(r.headers()["cache-control"], "public, max-age=86400");
        let svg = r.text().await.unwrap();
        assert!(!svg.contains("<script"), "{svg}");
        let (image, module) = rasterise(&svg);
        // Four light modules at least on every side.
        let size = image.width();
        let dark: Vec<(u32, u32)> = image
            .enumerate_pixels()
            .filter(|(_, _, p)| p.0[0] == 0)
            .map(|(x, y, _)| (x, y))
            .collect();
        let quiet = 4 * module;
        assert!(dark.iter().all(|&(x, y)| {
            (quiet..size - quiet).contains(&x) && (quiet..size - quiet).contains(&y)
        }));
        assert_eq!(decode(image), want, "{path}");
    }
}
