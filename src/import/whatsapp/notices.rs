//! Recognising lines that are not somebody writing: WhatsApp's system notices and call records.
//!
//! The trap (FORMATS.md §1): iOS attributes notices such as "Messages and calls are end-to-end
//! encrypted" or "Your security code with Ann changed" to the contact. Counted as messages they
//! would make every contact look as if they had written on the day of the export. Notices are
//! recognised by text, per language; everything else that has an author counts, including
//! media placeholders and deleted-message markers, because somebody did write.

/// Openings of notices that iOS attributes to a person. A message is a notice when its body
/// starts with one of these (after marks are removed).
const NOTICE_OPENINGS: &[&str] = &[
    // English
    "Messages and calls are end-to-end encrypted",
    "Messages to this group are now secured with end-to-end encryption",
    "Messages to this chat and calls are now secured with end-to-end encryption",
    "Messages you send to this chat and calls are now secured with end-to-end encryption",
    "Your security code with ",
    "This chat is with a business account",
    "This business uses a secure service",
    "This business is now using a secure service",
    "Disappearing messages were turned",
    "You turned on disappearing messages",
    "You turned off disappearing messages",
    "Tap to change",
    // German
    "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt",
    "Nachrichten an diese Gruppe sind jetzt mit Ende-zu-Ende-Verschlüsselung",
    "Deine Sicherheitsnummer für ",
    "Ihre Sicherheitsnummer für ",
    // Spanish
    "Los mensajes y las llamadas están cifrados de extremo a extremo",
    "Los mensajes de este grupo ahora están protegidos con cifrado de extremo a extremo",
    "Los mensajes en este grupo ahora están protegidos con cifrado de extremo a extremo",
    "Tu código de seguridad con ",
    "Cambió tu código de seguridad con ",
    // French
    "Les messages et les appels sont chiffrés de bout en bout",
    "Les messages envoyés dans ce groupe sont désormais protégés",
    "Votre code de sécurité avec ",
    // Portuguese
    "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta",
    "As mensagens e chamadas são protegidas com criptografia de ponta-a-ponta",
    "As mensagens e as chamadas são protegidas com criptografia de ponta a ponta",
    "Seu código de segurança com ",
    "O seu código de segurança com ",
    // Italian
    "I messaggi e le chiamate sono crittografati end-to-end",
    "I messaggi inviati a questo gruppo sono ora protetti con la crittografia end-to-end",
    "Il tuo codice di sicurezza con ",
    // Dutch
    "Berichten en oproepen worden end-to-end versleuteld",
    "Berichten in deze groep zijn nu beveiligd met end-to-end-versleuteling",
    "Je beveiligingscode met ",
    // Russian
    "Сообщения и звонки защищены сквозным шифрованием",
    "Сообщения в этой группе теперь защищены сквозным шифрованием",
    "Ваш код безопасности для ",
    "Ваш код безопасности с ",
    // Portuguese (Portugal)
    "O seu código de segurança partilhado com ",
    "As mensagens e as chamadas são encriptadas",
    "As mensagens e chamadas são encriptadas",
    // Arabic
    "الرسائل والمكالمات مشفرة",
    "الرسائل والمكالمات مُشفرة",
    "الرسائل والمكالمات مُشفّرة",
    "الرسائل والمكالمات محمية بالتشفير",
    "رمز الأمان الخاص بك مع ",
    "تغيّر رمز الأمان الخاص بك مع ",
    "تغير رمز الأمان الخاص بك مع ",
    // Czech
    "Zprávy a hovory jsou koncově šifrované",
    "Zprávy a hovory jsou chráněné koncovým šifrováním",
    "Váš bezpečnostní kód s uživatelem ",
    "Bezpečnostní kód s uživatelem ",
    // Ukrainian
    "Повідомлення та дзвінки захищені наскрізним шифруванням",
    "Повідомлення й дзвінки захищені наскрізним шифруванням",
    "Ваш код безпеки з ",
    // Hindi (the security-code notice puts the name first: see NOTICE_PHRASES_INSIDE)
    "मैसेज और कॉल एंड-टू-एंड एन्क्रिप्टेड हैं",
    "मैसेज और कॉल्स एंड-टू-एंड एन्क्रिप्टेड हैं",
    "संदेश और कॉल एंड-टू-एंड एन्क्रिप्टेड हैं",
    // Indonesian
    "Pesan dan panggilan terenkripsi secara end-to-end",
    "Kode keamanan Anda dengan ",
    // Japanese (the security-code notice puts the name first: see NOTICE_PHRASES_INSIDE)
    "メッセージと通話はエンドツーエンドで暗号化されています",
    "メッセージと通話はエンドツーエンド暗号化されています",
    // Thai
    "ข้อความและการโทรได้รับการเข้ารหัสตั้งแต่ต้นทางถึงปลายทาง",
    "ข้อความและการโทรได้รับการเข้ารหัสจากต้นทางถึงปลายทาง",
    "รหัสความปลอดภัยของคุณกับ ",
    // Vietnamese (hóa and hoá are both in use)
    "Tin nhắn và cuộc gọi được mã hóa đầu cuối",
    "Tin nhắn và cuộc gọi được mã hoá đầu cuối",
    "Mã bảo mật của bạn với ",
];

/// Notices whose wording puts the contact's name first, so no opening marks them: they are
/// looked for after the author's name in short bodies that start with it.
const NOTICE_PHRASES_INSIDE: &[&str] = &[
    // Hindi: "<name> के साथ आपका सुरक्षा कोड बदल गया है।"
    " के साथ आपका सुरक्षा कोड बदल गया",
    // Japanese: "<name>さんとのセキュリティコードが変更されました。"
    "とのセキュリティコードが変更されました",
];

/// Phrases of group notices ("Ann added Bob", "Ann changed the subject to …"). They are
/// ordinary words, so they only mark a notice on a line iOS flagged with a leading U+200E, or
/// where they would make an impossible author name on Android.
const GROUP_ACTIONS: &[&str] = &[
    " created group ",
    " created this group",
    " added ",
    " removed ",
    " left",
    " changed the subject",
    " changed this group's icon",
    " changed the group description",
    " deleted this group's icon",
    " changed the group settings",
    " joined using this group's invite link",
    " changed their phone number",
    " changed to +",
    " is now an admin",
    " are now an admin",
    " no longer an admin",
    " updated the message timer",
    " turned on disappearing messages",
    " turned off disappearing messages",
    " pinned a message",
    " security code changed",
    "hat die Gruppe ",
    " hinzugefügt",
    " entfernt",
    " hat den Betreff ",
    " añadió a ",
    " cambió el asunto",
    " salió",
    " a ajouté ",
    " est parti",
    " a modifié le sujet",
    " adicionou ",
    " saiu",
    " ha aggiunto ",
    " è uscito",
    " heeft ",
    " добавил",
    " удалил",
    " вышел",
];

/// Phrases that turn a would-be author into a sentence: Android notices that contain `: `.
const SENTENCE_AUTHOR_PHRASES: &[&str] =
    &[" changed the subject", " changed the group description", " created group ", " changed this group's icon"];

/// Phrases so particular to notices that they mark one wherever they appear, even without an
/// iOS mark: Android writes a few notices with an author (`+1 555…: +1 555… updated the
/// message timer`).
const DISTINCT_NOTICE_PHRASES: &[&str] = &[
    "updated the message timer",
    "changed their phone number to a new number",
    "joined using this group's invite link",
    "'s security code changed",
];

/// Call records: they count toward the last interaction, not toward messages.
const CALL_RECORDS: &[&str] = &[
    "Missed voice call",
    "Missed video call",
    "Missed group voice call",
    "Missed group video call",
    "Silenced voice call",
    "Silenced video call",
    "Voice call",
    "Video call",
    "Group voice call",
    "Group video call",
    "Verpasster Sprachanruf",
    "Verpasster Videoanruf",
    "Sprachanruf",
    "Videoanruf",
    "Llamada de voz perdida",
    "Videollamada perdida",
    "Llamada de voz",
    "Videollamada",
    "Appel vocal manqué",
    "Appel vidéo manqué",
    "Appel vocal",
    "Appel vidéo",
    "Chamada de voz perdida",
    "Chamada de vídeo perdida",
    "Chamada de voz",
    "Chamada de vídeo",
    "Chiamata vocale persa",
    "Videochiamata persa",
    "Chiamata vocale",
    "Videochiamata",
    "Gemiste spraakoproep",
    "Gemiste video-oproep",
    "Spraakoproep",
    "Video-oproep",
    "Пропущенный аудиозвонок",
    "Пропущенный видеозвонок",
    "Аудиозвонок",
    "Видеозвонок",
];

/// Which bytes start at least one phrase of a list: a body whose first byte starts none is
/// rejected without comparing any phrase. Every message is checked, so this matters.
const fn first_bytes(phrases: &[&str]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < phrases.len() {
        table[phrases[i].as_bytes()[0] as usize] = true;
        i += 1;
    }
    table
}

const OPENING_FIRST_BYTES: [bool; 256] = first_bytes(NOTICE_OPENINGS);
const CALL_FIRST_BYTES: [bool; 256] = first_bytes(CALL_RECORDS);

/// Whether `body` starts with one of `phrases`, whose first bytes are in `table`.
fn starts_with_any(body: &str, phrases: &[&str], table: &[bool; 256]) -> bool {
    let Some(&first) = body.as_bytes().first() else {
        return false;
    };
    table[first as usize] && phrases.iter().any(|p| p.as_bytes()[0] == first && body.starts_with(p))
}

/// Whether an authored line is a system notice. `marked` is true when iOS flagged the line
/// with a leading U+200E (media and notices).
pub(crate) fn is_notice(author: &str, body: &str, marked: bool) -> bool {
    if starts_with_any(body, NOTICE_OPENINGS, &OPENING_FIRST_BYTES) {
        return true;
    }
    if marked && GROUP_ACTIONS.iter().any(|p| body.contains(p)) {
        return true;
    }
    // iOS names the contact, who is also the line's author, at the start of these; checking
    // that first keeps the phrase search off ordinary messages.
    let names_author = super::starts_with(body.as_bytes(), author.as_bytes());
    if body.len() < 300 && names_author && NOTICE_PHRASES_INSIDE.iter().any(|p| body[author.len()..].contains(p)) {
        return true;
    }
    // Android's authored notices name their author as the subject: `+1 555…: +1 555… updated
    // the message timer`. Checking that first keeps the phrase search off ordinary messages.
    if names_author && DISTINCT_NOTICE_PHRASES.iter().any(|p| body.contains(p)) {
        return true;
    }
    // `Ann changed the subject from "x" to "y: z"` splits at `: ` into an "author" that is a
    // whole sentence. Real names are shorter and do not contain these phrases.
    author.len() > 20
        && author.bytes().filter(|&b| b == b' ').count() >= 3
        && SENTENCE_AUTHOR_PHRASES.iter().any(|p| author.contains(p))
}

/// Whether the rest of a header without an author is a system notice one can recognise
/// (`Messages and calls are end-to-end encrypted…`, `Ann added Bob`): a line in a second
/// layout must be one of these, or have an author, to count as a header.
pub(crate) fn is_authorless_notice(rest: &str) -> bool {
    starts_with_any(rest, NOTICE_OPENINGS, &OPENING_FIRST_BYTES)
        || GROUP_ACTIONS.iter().any(|p| rest.contains(p))
        || DISTINCT_NOTICE_PHRASES.iter().any(|p| rest.contains(p))
}

/// Whether a body records a call: one of the call phrases alone or followed by its duration
/// (`Video call, 5 min`, `Voice call (2:13)`).
pub(crate) fn is_call(body: &str) -> bool {
    if body.len() > 64 || !starts_with_any(body, CALL_RECORDS, &CALL_FIRST_BYTES) {
        return false;
    }
    CALL_RECORDS.iter().any(|p| {
        body.strip_prefix(p).is_some_and(|rest| {
            rest.is_empty()
                || rest.starts_with(',')
                || rest.starts_with(" (")
                || rest.starts_with(" •")
                || rest.starts_with('.')
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ios_notices_attributed_to_contact() {
        assert!(is_notice("Ann", "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.", true));
        assert!(is_notice("Ann", "Your security code with Ann changed. Tap to learn more.", false));
        assert!(is_notice("Anna", "Deine Sicherheitsnummer für Anna hat sich geändert.", true));
        assert!(is_notice("Иван", "Сообщения и звонки защищены сквозным шифрованием.", true));
        assert!(is_notice("Family", "Ann added Bob", true));
    }

    #[test]
    fn notices_in_more_languages() {
        let notices = [
            "الرسائل والمكالمات مشفرة تماماً بين الطرفين.",
            "تغيّر رمز الأمان الخاص بك مع Lan.",
            "Zprávy a hovory jsou koncově šifrované.",
            "Váš bezpečnostní kód s uživatelem Lan se změnil.",
            "Повідомлення та дзвінки захищені наскрізним шифруванням.",
            "Ваш код безпеки з Lan змінився.",
            "मैसेज और कॉल एंड-टू-एंड एन्क्रिप्टेड हैं.",
            "Lan के साथ आपका सुरक्षा कोड बदल गया है.",
            "Pesan dan panggilan terenkripsi secara end-to-end.",
            "Kode keamanan Anda dengan Lan telah berubah.",
            "メッセージと通話はエンドツーエンドで暗号化されています。",
            "Lanさんとのセキュリティコードが変更されました。",
            "ข้อความและการโทรได้รับการเข้ารหัสตั้งแต่ต้นทางถึงปลายทาง",
            "รหัสความปลอดภัยของคุณกับ Lan เปลี่ยนแปลงแล้ว",
            "Tin nhắn và cuộc gọi được mã hóa đầu cuối.",
            "Mã bảo mật của bạn với Lan đã thay đổi.",
            "Ваш код безопасности с контактом Lan изменился.",
            "O seu código de segurança partilhado com Lan mudou.",
        ];
        for body in notices {
            assert!(is_notice("Lan", body, false), "{body}");
        }
        assert!(!is_notice("Lan", "मैसेज भेजो", false));
        assert!(!is_notice("Lan", "セキュリティコード?", false));
    }

    #[test]
    fn authorless_notices_in_a_second_layout() {
        assert!(is_authorless_notice("Messages and calls are end-to-end encrypted. Tap to learn more."));
        assert!(is_authorless_notice("Ann added Bob"));
        assert!(!is_authorless_notice("just a date-like body line"));
    }

    #[test]
    fn ordinary_messages_are_not_notices() {
        assert!(!is_notice("Ann", "I added sugar", false));
        assert!(!is_notice("Ann", "are messages end-to-end encrypted?", false));
        assert!(!is_notice("Ann", "image omitted", true));
        assert!(!is_notice("Ann", "This message was deleted", false));
    }

    #[test]
    fn calls() {
        assert!(is_call("Missed voice call"));
        assert!(is_call("Video call, 5 min"));
        assert!(is_call("Llamada de voz perdida"));
        assert!(!is_call("Video calls are fun"));
        assert!(!is_call("ok"));
    }
}
