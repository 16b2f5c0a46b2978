//! What a sent file may be: PDF, JPEG or PNG, told by its content, at most
//! [`DEFAULT_MAX_BYTES`] unless the deployment says otherwise.
//!
//! The name a file arrives with proves nothing (anyone can call an
//! executable `diploma.pdf`), so the type is read from the file's first
//! bytes (the `infer` crate), and a file that is none of the three is
//! refused whatever it is called.

/// 5 MB, the agreed default; the caller passes its configured limit.
pub const DEFAULT_MAX_BYTES: usize = 5 * 1024 * 1024;

use crate::domain::characters;

/// The longest file name kept, in characters; longer ones are cut.
const MAX_NAME_CHARS: usize = 100;

/// The file types a document may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
}

impl FileType {
    /// As stored in `documents.file_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpeg",
            FileType::Png => "png",
        }
    }

    pub fn parse(text: &str) -> Option<FileType> {
        match text {
            "pdf" => Some(FileType::Pdf),
            "jpeg" => Some(FileType::Jpeg),
            "png" => Some(FileType::Png),
            _ => None,
        }
    }

    pub fn mime_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }

    /// The extension a file of this type is given when sent back.
    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
        }
    }
}

/// Why a file is refused; each has its own message in the bot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileRejection {
    #[error("the file is empty")]
    Empty,
    #[error("the file has {size} bytes, more than the {max} allowed")]
    TooLarge { size: usize, max: usize },
    /// Not a PDF, JPEG or PNG. `detected` is the MIME type the content was
    /// recognised as (`image/gif`, `application/vnd.microsoft.portable-executable`),
    /// or `None` when it was recognised as nothing.
    #[error("the file is not a PDF, JPEG or PNG (detected: {detected:?})")]
    UnsupportedType { detected: Option<String> },
}

/// Checks a file a practitioner sent: not empty, at most `max_bytes`
/// (exactly `max_bytes` passes), and a PDF, JPEG or PNG by content.
///
/// `declared_name` is what the sender called the file. It is deliberately
/// not consulted: a name can neither admit a file (an executable called
/// `diploma.pdf` is refused) nor refuse one (a PDF called `scan.jpg` is a
/// PDF). It is the caller's to keep, through [`stored_file_name`].
pub fn check_file(
    bytes: &[u8],
    declared_name: Option<&str>,
    max_bytes: usize,
) -> Result<FileType, FileRejection> {
    let _ = declared_name;
    if bytes.is_empty() {
        return Err(FileRejection::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(FileRejection::TooLarge {
            size: bytes.len(),
            max: max_bytes,
        });
    }
    let detected = infer::get(bytes);
    match detected.map(|kind| kind.mime_type()) {
        // `infer` takes "%PDF" anywhere in the first KiB for a PDF, as
        // Acrobat does; we want it at the start. A file with something else
        // in front of the header is how polyglots (a script or an HTML page
        // that is "also" a PDF) get past sniffing, and no PDF a scanner or
        // an office program writes has anything there.
        Some("application/pdf") if bytes.starts_with(b"%PDF-") => Ok(FileType::Pdf),
        Some("application/pdf") => Err(FileRejection::UnsupportedType { detected: None }),
        Some("image/jpeg") => Ok(FileType::Jpeg),
        Some("image/png") => Ok(FileType::Png),
        other => Err(FileRejection::UnsupportedType {
            detected: other.map(str::to_owned),
        }),
    }
}

/// The name a stored file keeps: what the sender called it, without any
/// folder, control characters, direction marks or excess length, and with the extension of
/// the type its content is — so a PDF sent as `diploma.exe` goes back out as
/// `diploma.pdf`, never as something a computer would run. With no usable
/// name it is `document.<ext>`.
pub fn stored_file_name(declared_name: Option<&str>, file_type: FileType) -> String {
    let base = declared_name
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    // Only the last extension goes: `scan.2024.pdf` keeps `scan.2024`.
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem,
        _ => base,
    };
    let stem: String = stem
        .chars()
        .filter(|&c| !characters::is_refused_in_file_name(c))
        .take(MAX_NAME_CHARS)
        .collect();
    let stem = stem.trim().trim_matches('.');
    let stem = if stem.is_empty() { "document" } else { stem };
    format!("{stem}.{}", file_type.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest well-formed files of each kind (headers as the formats
    /// define them), so the tests check real signatures, not our own idea
    /// of them.
    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    const JPEG: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
    ];
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, b'I', b'H', b'D',
        b'R', 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00,
    ];
    /// The DOS header every Windows executable starts with.
    const EXE: &[u8] = &[
        b'M', b'Z', 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00,
        0x00, 0xB8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,
    ];
    const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

    #[test]
    fn pdf_jpeg_and_png_are_told_by_content() {
        let max = DEFAULT_MAX_BYTES;
        assert_eq!(check_file(PDF, Some("diploma.pdf"), max), Ok(FileType::Pdf));
        assert_eq!(check_file(JPEG, Some("photo.jpg"), max), Ok(FileType::Jpeg));
        assert_eq!(check_file(PNG, None, max), Ok(FileType::Png));
        // The name does not matter either way.
        assert_eq!(check_file(PDF, Some("scan.jpg"), max), Ok(FileType::Pdf));
        assert_eq!(check_file(PNG, Some("scan.exe"), max), Ok(FileType::Png));
    }

    #[test]
    fn a_renamed_executable_is_refused() {
        let rejection = check_file(EXE, Some("diploma.pdf"), DEFAULT_MAX_BYTES).unwrap_err();
        let FileRejection::UnsupportedType {
            detected: Some(detected),
        } = rejection
        else {
            panic!("an executable must be recognised and refused, got {rejection:?}");
        };
        assert!(detected.contains("executable"), "{detected}");
    }

    #[test]
    fn an_executable_carrying_a_pdf_header_inside_is_still_an_executable() {
        let mut polyglot = EXE.to_vec();
        polyglot.extend_from_slice(PDF);
        assert!(matches!(
            check_file(&polyglot, Some("diploma.pdf"), DEFAULT_MAX_BYTES),
            Err(FileRejection::UnsupportedType { detected: Some(_) })
        ));
    }

    #[test]
    fn a_pdf_header_after_other_content_is_refused() {
        let mut polyglot = b"<html><script>alert(1)</script>".to_vec();
        polyglot.extend_from_slice(PDF);
        assert_eq!(
            check_file(&polyglot, Some("diploma.pdf"), DEFAULT_MAX_BYTES),
            Err(FileRejection::UnsupportedType { detected: None })
        );
    }

    #[test]
    fn gif_and_random_bytes_are_refused() {
        assert_eq!(
            check_file(GIF, Some("diploma.png"), DEFAULT_MAX_BYTES),
            Err(FileRejection::UnsupportedType {
                detected: Some("image/gif".into())
            })
        );
        // Fixed "random" bytes that start with no known signature.
        let noise: Vec<u8> = (0u32..512)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13).to_le_bytes()[0])
            .collect();
        assert_eq!(
            infer::get(&noise),
            None,
            "the noise must not look like a file"
        );
        assert_eq!(
            check_file(&noise, Some("diploma.pdf"), DEFAULT_MAX_BYTES),
            Err(FileRejection::UnsupportedType { detected: None })
        );
        assert_eq!(
            check_file(b"just some text", None, DEFAULT_MAX_BYTES),
            Err(FileRejection::UnsupportedType { detected: None })
        );
    }

    #[test]
    fn exactly_the_limit_passes_and_one_byte_more_does_not() {
        let mut file = PDF.to_vec();
        file.resize(DEFAULT_MAX_BYTES, b' ');
        assert_eq!(
            check_file(&file, None, DEFAULT_MAX_BYTES),
            Ok(FileType::Pdf)
        );
        file.push(b' ');
        assert_eq!(
            check_file(&file, None, DEFAULT_MAX_BYTES),
            Err(FileRejection::TooLarge {
                size: DEFAULT_MAX_BYTES + 1,
                max: DEFAULT_MAX_BYTES
            })
        );
        // The limit is the caller's.
        assert_eq!(
            check_file(PNG, None, PNG.len() - 1),
            Err(FileRejection::TooLarge {
                size: PNG.len(),
                max: PNG.len() - 1
            })
        );
        assert_eq!(check_file(PNG, None, PNG.len()), Ok(FileType::Png));
    }

    #[test]
    fn an_empty_file_is_refused_before_anything_else() {
        assert_eq!(
            check_file(&[], Some("diploma.pdf"), DEFAULT_MAX_BYTES),
            Err(FileRejection::Empty)
        );
        assert_eq!(check_file(&[], None, 0), Err(FileRejection::Empty));
    }

    #[test]
    fn file_types_round_trip() {
        for file_type in [FileType::Pdf, FileType::Jpeg, FileType::Png] {
            assert_eq!(FileType::parse(file_type.as_str()), Some(file_type));
        }
        assert_eq!(FileType::parse("gif"), None);
    }

    #[test]
    fn stored_names_keep_the_stem_and_take_the_detected_extension() {
        let cases = [
            (
                Some("Диплом Ивановой.pdf"),
                FileType::Pdf,
                "Диплом Ивановой.pdf",
            ),
            (Some("diploma.exe"), FileType::Pdf, "diploma.pdf"),
            (Some("scan.2024.jpeg"), FileType::Jpeg, "scan.2024.jpg"),
            (
                Some("C:\\Users\\anna\\passport.png"),
                FileType::Png,
                "passport.png",
            ),
            (Some("../../etc/passwd"), FileType::Pdf, "passwd.pdf"),
            (Some("noextension"), FileType::Png, "noextension.png"),
            (Some(".pdf"), FileType::Pdf, "pdf.pdf"),
            (Some("a\u{0}b\nc.pdf"), FileType::Pdf, "abc.pdf"),
            // Reads «diplomaexe.pdf» on screen; is «diplomafdp.exe».
            (
                Some("diploma\u{202E}fdp.exe"),
                FileType::Pdf,
                "diplomafdp.pdf",
            ),
            (Some("\u{2067}скан\u{2069}.pdf"), FileType::Pdf, "скан.pdf"),
            (Some("  "), FileType::Pdf, "document.pdf"),
            (Some("..."), FileType::Pdf, "document.pdf"),
            (None, FileType::Jpeg, "document.jpg"),
        ];
        for (declared, file_type, expected) in cases {
            assert_eq!(
                stored_file_name(declared, file_type),
                expected,
                "{declared:?}"
            );
        }
        let long = "я".repeat(500) + ".pdf";
        assert_eq!(
            stored_file_name(Some(&long), FileType::Pdf).chars().count(),
            MAX_NAME_CHARS + 4
        );
    }
}
