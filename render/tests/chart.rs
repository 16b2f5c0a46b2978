use medcab_render::{Png, RenderError};

mod samples;

/// The picture decoded as any viewer would: its size and its pixels.
fn decode(png: &Png) -> (png::OutputInfo, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(&png.bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    pixels.truncate(info.buffer_size());
    (info, pixels)
}

fn rgba_at(info: &png::OutputInfo, pixels: &[u8], x: u32, y: u32) -> [u8; 4] {
    assert_eq!(info.color_type, png::ColorType::Rgba);
    let at = (y as usize * info.line_size) + x as usize * 4;
    [pixels[at], pixels[at + 1], pixels[at + 2], pixels[at + 3]]
}

#[test]
fn a_phone_sized_picture_with_drawn_bars_and_text() {
    let png = samples::chart(96.0, 36.0, 120.0)
        .render_png()
        .expect("renders");
    let (info, pixels) = decode(&png);
    assert_eq!((info.width, info.height), (png.width, png.height));
    assert_eq!(info.width, 1080);
    assert!((700..=1600).contains(&info.height), "{}", info.height);

    let opaque_white = [255, 255, 255, 255];
    let mut dark = 0usize;
    let mut blue = 0usize;
    let mut grey = 0usize;
    for y in 0..info.height {
        for x in 0..info.width {
            let [r, g, b, a] = rgba_at(&info, &pixels, x, y);
            assert_eq!(
                a, 255,
                "no transparent pixels: Telegram would show them black"
            );
            if r < 80 && g < 80 && b < 80 {
                dark += 1;
            }
            if (r, g, b) == (0x1e, 0x63, 0xb5) {
                blue += 1;
            }
            if (r, g, b) == (0x8d, 0x9a, 0xa6) {
                grey += 1;
            }
        }
    }
    // Text in ink; the hours and ПК bars in blue, the ЗЕТ guide in grey.
    assert!(dark > 20_000, "{dark} dark pixels: no text?");
    assert!(blue > 2 * 60 * 300, "{blue} blue pixels");
    assert!(grey > 60 * 300, "{grey} grey pixels");
    assert_eq!(rgba_at(&info, &pixels, 2, 2), opaque_white);
}

#[test]
fn more_bars_fill_as_progress_grows_and_a_reached_target_turns_green() {
    let count = |png: &Png, rgb: (u8, u8, u8)| {
        let (_, pixels) = decode(png);
        pixels
            .chunks(4)
            .filter(|p| (p[0], p[1], p[2]) == rgb)
            .count()
    };
    let blue = (0x1e, 0x63, 0xb5);
    let green = (0x2e, 0x7d, 0x32);
    let little = samples::chart(10.0, 5.0, 10.0).render_png().unwrap();
    let more = samples::chart(100.0, 50.0, 100.0).render_png().unwrap();
    assert!(count(&more, blue) > 5 * count(&little, blue));
    assert_eq!(count(&more, green), 0);

    let done = samples::chart(150.0, 80.0, 300.0).render_png().unwrap();
    assert_eq!(count(&done, blue), 0);
    assert!(
        count(&done, green) > 2 * 60 * 900,
        "both requirement bars full and green"
    );
}

#[test]
fn nothing_done_yet_draws_empty_tracks() {
    let png = samples::chart(0.0, 0.0, 0.0).render_png().expect("renders");
    let (_, pixels) = decode(&png);
    let blue = pixels
        .chunks(4)
        .filter(|p| (p[0], p[1], p[2]) == (0x1e, 0x63, 0xb5))
        .count();
    assert_eq!(blue, 0);
}

#[test]
fn long_words_wrap_and_the_picture_grows_instead_of_cutting_them() {
    let short = samples::chart(96.0, 36.0, 120.0).render_png().unwrap();
    let mut chart = samples::chart(96.0, 36.0, 120.0);
    chart.labels.guide_note = "Очень длинное пояснение о плане портала. ".repeat(10);
    chart.labels.title = "<script>&amp;</script> \"ПК\" ".repeat(3);
    let long = chart.render_png().expect("markup in labels is text");
    assert_eq!(long.width, 1080);
    assert!(
        long.height > short.height + 200,
        "{} vs {}",
        long.height,
        short.height
    );
}

#[test]
fn impossible_numbers_are_refused() {
    for (hours, target) in [
        (-1.0, 144.0),
        (f64::NAN, 144.0),
        (f64::INFINITY, 144.0),
        (10.0, 0.0),
        (10.0, -144.0),
    ] {
        let mut chart = samples::chart(hours, 36.0, 120.0);
        chart.required_hours = target;
        assert!(
            matches!(chart.render_png(), Err(RenderError::ChartValue { .. })),
            "{hours} of {target}"
        );
    }
    let mut chart = samples::chart(96.0, 36.0, 120.0);
    chart.zet_plan = f64::NAN;
    assert!(matches!(
        chart.render_png(),
        Err(RenderError::ChartValue { .. })
    ));
}
