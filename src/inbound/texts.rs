//! What the consent bot says, in English, Spanish and Portuguese. Button titles
//! stay within WhatsApp's 20 characters.

use crate::domain::Locale;

pub const ACCEPT_ID: &str = "assent_terms_accept";
pub const DECLINE_ID: &str = "assent_terms_decline";

fn pick<'a>(language: Locale, en: &'a str, es: &'a str, pt: &'a str) -> &'a str {
    match language {
        Locale::En => en,
        Locale::Es => es,
        Locale::Pt => pt,
    }
}

/// "a, b and c" in the person's language.
pub fn list(language: Locale, items: &[String]) -> String {
    let and = pick(language, "and", "y", "e");
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {and} {last}", init.join(", ")),
    }
}

pub fn terms(language: Locale, business: &str, topics: &str, link: &str) -> String {
    match language {
        Locale::Es => format!(
            "Hola, somos {business}. Antes de seguir, ¿aceptas recibir nuestros mensajes de WhatsApp sobre: {topics}? \
             Condiciones: {link}"
        ),
        Locale::Pt => format!(
            "Olá, somos {business}. Antes de continuar, você aceita receber nossas mensagens de WhatsApp sobre: {topics}? \
             Termos: {link}"
        ),
        Locale::En => format!(
            "Hi, this is {business}. Before we go on: do you agree to receive our WhatsApp messages about: {topics}? \
             Terms: {link}"
        ),
    }
}

pub fn terms_question(language: Locale) -> &'static str {
    pick(language, "Do you accept?", "¿Aceptas?", "Você aceita?")
}

pub fn accept_title(language: Locale) -> &'static str {
    pick(language, "Accept", "Aceptar", "Aceitar")
}

pub fn decline_title(language: Locale) -> &'static str {
    pick(language, "Decline", "Rechazar", "Recusar")
}

pub fn accepted(language: Locale, business: &str, topics: &str) -> String {
    match language {
        Locale::Es => format!(
            "¡Gracias! {business} te escribirá sobre: {topics}. Para dejar de recibir mensajes, responde PARAR en cualquier \
             momento; AYUDA muestra las opciones."
        ),
        Locale::Pt => format!(
            "Obrigado! {business} vai escrever para você sobre: {topics}. Para deixar de receber mensagens, responda SAIR a \
             qualquer momento; AJUDA mostra as opções."
        ),
        Locale::En => format!(
            "Thank you! {business} will message you about: {topics}. To stop at any time, reply STOP; reply HELP for the options."
        ),
    }
}

pub fn stopped_all(language: Locale, business: &str) -> String {
    match language {
        Locale::Es => format!(
            "Ya no recibirás mensajes de {business}. Responde ALTA para volver a suscribirte."
        ),
        Locale::Pt => format!(
            "Você não receberá mais mensagens de {business}. Responda VOLTAR para se inscrever novamente."
        ),
        Locale::En => format!(
            "You will no longer receive messages from {business}. Reply START to subscribe again."
        ),
    }
}

pub fn stopped_one(language: Locale, business: &str, topic: &str) -> String {
    match language {
        Locale::Es => format!(
            "Ya no recibirás mensajes de {business} sobre: {topic}. Responde ALTA para deshacerlo."
        ),
        Locale::Pt => format!(
            "Você não receberá mais mensagens de {business} sobre: {topic}. Responda VOLTAR para desfazer."
        ),
        Locale::En => format!(
            "You will no longer receive messages from {business} about: {topic}. Reply START to undo this."
        ),
    }
}

pub fn stopped_promotions(language: Locale, business: &str) -> String {
    match language {
        Locale::Es => format!("Ya no recibirás promociones de {business}."),
        Locale::Pt => format!("Você não receberá mais promoções de {business}."),
        Locale::En => format!("You will no longer receive promotions from {business}."),
    }
}

pub fn started(language: Locale, business: &str, topics: &str) -> String {
    match language {
        Locale::Es => format!(
            "Vuelves a recibir mensajes de {business} sobre: {topics}. Responde PARAR para darte de baja."
        ),
        Locale::Pt => format!(
            "Você voltou a receber mensagens de {business} sobre: {topics}. Responda SAIR para cancelar."
        ),
        Locale::En => format!(
            "You will receive messages from {business} about: {topics} again. Reply STOP to unsubscribe."
        ),
    }
}

pub fn nothing_to_start(language: Locale) -> String {
    pick(
        language,
        "There is nothing to restart: you had not replied STOP.",
        "No hay nada que reanudar: no habías respondido PARAR.",
        "Não há nada para retomar: você não tinha respondido SAIR.",
    )
    .to_owned()
}

pub fn help(language: Locale, business: &str, topics: &str) -> String {
    match language {
        Locale::Es => format!(
            "{business}: responde PARAR para no recibir más mensajes, PARAR y un tema para dejar solo ese ({topics}), ALTA \
             para volver y AYUDA para ver esto."
        ),
        Locale::Pt => format!(
            "{business}: responda SAIR para não receber mais mensagens, SAIR e um tema para deixar só esse ({topics}), \
             VOLTAR para voltar e AJUDA para ver isto."
        ),
        Locale::En => format!(
            "{business}: reply STOP to stop all messages, STOP and a topic to stop just that one ({topics}), START to come \
             back, and HELP to see this again."
        ),
    }
}

/// Whether a reply is the terms with their Accept button: the one message a
/// suppressed person who writes again may get.
pub fn asks_consent(body: &serde_json::Value) -> bool {
    body["interactive"]["action"]["buttons"]
        .as_array()
        .is_some_and(|b| b.iter().any(|b| b["reply"]["id"] == ACCEPT_ID))
}

/// The line that ends a confirmation: where the person changes their choices.
pub fn your_choices(language: Locale, link: &str) -> String {
    match language {
        Locale::En => format!("Your choices, at any time: {link}"),
        Locale::Es => format!("Tus preferencias, cuando quieras: {link}"),
        Locale::Pt => format!("Suas escolhas, a qualquer momento: {link}"),
    }
}

/// A reply followed by the person's preference link, on a line of its own.
pub fn with_choices(language: Locale, text: String, link: &str) -> String {
    format!("{text}\n\n{}", your_choices(language, link))
}

/// A double opt-in confirmed (the welcome's button, or YES).
pub fn confirmed(language: Locale, business: &str, topics: &str) -> String {
    match language {
        Locale::Es => format!(
            "¡Confirmado! {business} te escribirá sobre: {topics}. Para dejar de recibir mensajes, responde PARAR en cualquier momento."
        ),
        Locale::Pt => format!(
            "Confirmado! {business} vai escrever para você sobre: {topics}. Para deixar de receber mensagens, responda SAIR a qualquer momento."
        ),
        Locale::En => format!(
            "Confirmed! {business} will message you about: {topics}. To stop at any time, reply STOP."
        ),
    }
}

/// The answer to PREFERENCES.
pub fn preferences(language: Locale, link: &str) -> String {
    match language {
        Locale::Es => format!("Elige qué mensajes quieres recibir aquí: {link}"),
        Locale::Pt => format!("Escolha quais mensagens você quer receber aqui: {link}"),
        Locale::En => format!("Choose which messages you get here: {link}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_titles_fit_whatsapp() {
        for language in Locale::ALL {
            assert!(accept_title(language).chars().count() <= 20);
            assert!(decline_title(language).chars().count() <= 20);
            assert_ne!(accept_title(language), decline_title(language));
        }
    }

    #[test]
    fn lists_read_naturally() {
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(list(Locale::En, &items(&["a", "b", "c"])), "a, b and c");
        assert_eq!(list(Locale::Es, &items(&["a", "b"])), "a y b");
        assert_eq!(list(Locale::Pt, &items(&["a"])), "a");
    }
}
