//! Every sentence the privacy center shows a customer, in one place per language, so that a
//! language is added by adding one [`Text`] value and listing it in [`LANGUAGES`]. The customer's
//! browser picks the language ([`for_language`]); English is the fallback. Staff pages are
//! English only.

/// The privacy center's words in one language.
#[derive(Debug)]
pub(crate) struct Text {
    pub(crate) lang: &'static str,
    pub(crate) skip: &'static str,
    pub(crate) brand: &'static str,
    pub(crate) nav_consents: &'static str,
    pub(crate) nav_data: &'static str,
    pub(crate) nav_requests: &'static str,
    pub(crate) nav_decisions: &'static str,
    pub(crate) sign_out: &'static str,
    pub(crate) consents_title: &'static str,
    pub(crate) consents_intro: &'static str,
    pub(crate) gpc_note: &'static str,
    pub(crate) notice_version: &'static str,
    pub(crate) status: &'static str,
    pub(crate) not_asked: &'static str,
    pub(crate) withdraw: &'static str,
    pub(crate) allow: &'static str,
    pub(crate) consent_recorded: &'static str,
    pub(crate) consent_withdrawn: &'static str,
    pub(crate) data_title: &'static str,
    pub(crate) data_kind: &'static str,
    pub(crate) data_value: &'static str,
    pub(crate) data_download: &'static str,
    pub(crate) requests_title: &'static str,
    pub(crate) request_kind: &'static str,
    pub(crate) request_status: &'static str,
    pub(crate) request_due: &'static str,
    pub(crate) requests_none: &'static str,
    pub(crate) request_new: &'static str,
    pub(crate) request_what: &'static str,
    pub(crate) request_send: &'static str,
    pub(crate) request_recorded: &'static str,
    pub(crate) kind_access: &'static str,
    pub(crate) kind_portability: &'static str,
    pub(crate) kind_erasure: &'static str,
    pub(crate) kind_opt_out: &'static str,
    pub(crate) kind_objection: &'static str,
    pub(crate) kind_rectification: &'static str,
    pub(crate) kind_contest: &'static str,
    pub(crate) correct_title: &'static str,
    pub(crate) correct_which: &'static str,
    pub(crate) correct_value: &'static str,
    pub(crate) correct_send: &'static str,
    pub(crate) decisions_title: &'static str,
    pub(crate) decisions_outcome: &'static str,
    pub(crate) decisions_model: &'static str,
    /// Said of a decision a reviewer made in place of the model's.
    pub(crate) decisions_by_person: &'static str,
    pub(crate) decisions_none: &'static str,
    pub(crate) contest_label: &'static str,
    pub(crate) contest_send: &'static str,
    /// "You asked for a review on" (a date follows).
    pub(crate) review_asked_on: &'static str,
    /// "; a person will answer by" (a date follows).
    pub(crate) review_answer_by: &'static str,
    /// A decision held for a person before it takes effect.
    pub(crate) review_pending: &'static str,
    /// "A person reviewed this decision on" (a date follows).
    pub(crate) review_done_on: &'static str,
    pub(crate) review_kept: &'static str,
    pub(crate) review_changed: &'static str,
    pub(crate) review_reason: &'static str,
    pub(crate) link_broken_title: &'static str,
    pub(crate) link_broken_text: &'static str,
    pub(crate) signed_out_title: &'static str,
    pub(crate) signed_out_text: &'static str,
    pub(crate) not_allowed_title: &'static str,
    pub(crate) stale_form: &'static str,
    pub(crate) failed_title: &'static str,
    pub(crate) failed_text: &'static str,
    pub(crate) not_found_title: &'static str,
    pub(crate) not_found_text: &'static str,
    pub(crate) start_title: &'static str,
    pub(crate) start_text: &'static str,
    pub(crate) customer_number: &'static str,
    pub(crate) send_code: &'static str,
    pub(crate) code_sent: &'static str,
    pub(crate) code_label: &'static str,
    pub(crate) code_submit: &'static str,
    pub(crate) codes_off: &'static str,
    pub(crate) outbox_title: &'static str,
    pub(crate) too_many_title: &'static str,
    pub(crate) too_many_text: &'static str,
    pub(crate) sign_in_with_code: &'static str,
    pub(crate) sign_in_again: &'static str,
    pub(crate) back_to_consents: &'static str,
    /// What to do when a code was wrong or is no longer valid.
    pub(crate) code_wrong_next: &'static str,
    pub(crate) send_new_code: &'static str,
    /// A consent's state, as the status line says it.
    pub(crate) status_granted: &'static str,
    pub(crate) status_withdrawn: &'static str,
    pub(crate) status_denied: &'static str,
    /// The state of a sale or sharing purpose while Global Privacy Control is in force.
    pub(crate) gpc_status: &'static str,
    /// The state of such a purpose the customer allowed after being shown the conflict.
    pub(crate) gpc_allowed_anyway: &'static str,
    pub(crate) gpc_conflict_title: &'static str,
    pub(crate) gpc_conflict_text: &'static str,
    pub(crate) gpc_confirm: &'static str,
    pub(crate) gpc_keep_off: &'static str,
    /// A request to restrict the use of one's data.
    pub(crate) kind_restriction: &'static str,
    /// A request's state: waiting for the customer to confirm who they are.
    pub(crate) dsr_pending_verification: &'static str,
    /// A request's state: being handled.
    pub(crate) dsr_verified: &'static str,
    /// A request's state: being handled, the deadline extended.
    pub(crate) dsr_extended: &'static str,
    /// A request's state: done.
    pub(crate) dsr_completed: &'static str,
    /// A request's state: refused.
    pub(crate) dsr_rejected: &'static str,
    /// The months, January first, separated by `|`.
    pub(crate) months: &'static str,
    /// A date: `{d}` the day, `{month}` its month's name, `{y}` the year.
    pub(crate) date_format: &'static str,
    /// Introduces what weighed against a favourable decision.
    pub(crate) reasons_favourable: &'static str,
    /// Introduces the reasons when the model's dictionary has no intro.
    pub(crate) reasons_main: &'static str,
    /// Stands for reasons the model's dictionary has no words for.
    pub(crate) reasons_unnamed: &'static str,
    /// Said when nothing weighed against the customer.
    pub(crate) reasons_none: &'static str,
    /// What a lower value would have changed: `{feature}`, `{value}`.
    pub(crate) hint_below: &'static str,
    /// What a higher value would have changed: `{feature}`, `{value}`.
    pub(crate) hint_above: &'static str,
    /// A counterfactual around its changes: `{changes}`.
    pub(crate) changes_would_differ: &'static str,
    /// The first change of a counterfactual: `{feature}`, `{to}`, `{from}`.
    pub(crate) change_first: &'static str,
    /// Each further change.
    pub(crate) change_more: &'static str,
    /// Joins the last change to the others, with its spaces.
    pub(crate) and_last: &'static str,
}

/// English.
pub(crate) const EN: Text = Text {
    lang: "en",
    skip: "Skip to content",
    brand: "Your privacy",
    nav_consents: "Consents",
    nav_data: "My data",
    nav_requests: "My requests",
    nav_decisions: "Decisions about me",
    sign_out: "Sign out",
    consents_title: "Your consents",
    consents_intro: "For each use of your data that needs your permission, you can allow it or withdraw your permission at any time. Withdrawing takes effect at once.",
    gpc_note: "Your browser sends a Global Privacy Control signal. We honour it: we do not sell or share your data, and changes you make here are recorded with it.",
    notice_version: "Notice version",
    status: "Status:",
    not_asked: "not asked yet",
    withdraw: "Withdraw my consent to",
    allow: "Allow",
    consent_recorded: "Thank you: your consent is recorded.",
    consent_withdrawn: "Your consent is withdrawn.",
    data_title: "The data we hold about you",
    data_kind: "Kind of data",
    data_value: "Value",
    data_download: "Download all of it (JSON)",
    requests_title: "Your requests",
    request_kind: "Request",
    request_status: "Status",
    request_due: "We answer by",
    requests_none: "You have made no requests.",
    request_new: "Make a request",
    request_what: "What do you want us to do?",
    request_send: "Send request",
    request_recorded: "Your request is recorded. We will confirm your identity and answer by the date shown.",
    kind_access: "Give me a copy of my data",
    kind_portability: "Give me my data in a portable format",
    kind_erasure: "Erase my data",
    kind_opt_out: "Do not sell or share my data",
    kind_objection: "Stop using my data for profiling",
    kind_rectification: "Correct my data",
    kind_contest: "A person reviews an automated decision",
    correct_title: "Correct my data",
    correct_which: "Which data is wrong?",
    correct_value: "The correct value",
    correct_send: "Ask for the correction",
    decisions_title: "Automated decisions about you",
    decisions_outcome: "Outcome:",
    decisions_model: "model",
    decisions_by_person: "decided by a person who reviewed it",
    decisions_none: "No automated decision has been made about you.",
    contest_label: "Contest this decision: tell us why a person should look at it again",
    contest_send: "Contest this decision",
    review_asked_on: "You asked for a review on",
    review_answer_by: "a person will answer by",
    review_pending: "A person is checking this decision before it takes effect; they will answer by",
    review_done_on: "A person reviewed this decision on",
    review_kept: "The decision stands.",
    review_changed: "The decision was changed to",
    review_reason: "Reason:",
    link_broken_title: "This link does not work",
    link_broken_text: "Ask the website that sent it for a new one, or sign in with a one-time code.",
    signed_out_title: "Signed out",
    signed_out_text: "You are signed out of your privacy center.",
    not_allowed_title: "Not allowed",
    stale_form: "This form is out of date. Reload the page.",
    failed_title: "Something went wrong",
    failed_text: "Please try again later.",
    not_found_title: "Not found",
    not_found_text: "We could not find that.",
    start_title: "Sign in to your privacy center",
    start_text: "Enter your customer number or the e-mail address we have for you. We send a one-time code to the contact details we have for you.",
    customer_number: "Customer number or e-mail address",
    send_code: "Send me a code",
    code_sent: "If we know this customer number, a code is on its way to the contact details we have. It works for 10 minutes.",
    code_label: "One-time code",
    code_submit: "Sign in",
    codes_off: "Sign-in by code is not available here. Use the privacy link on our website.",
    outbox_title: "Demo outbox: codes that would have been sent",
    too_many_title: "Please wait a moment",
    too_many_text: "There were too many attempts from here. Wait a few minutes, then try again.",
    sign_in_with_code: "Sign in with a one-time code",
    sign_in_again: "Sign in again",
    back_to_consents: "Back to your consents",
    code_wrong_next: "Check the code in the latest message we sent. Codes work once and for 10 minutes; if yours has expired, ask for a new one.",
    send_new_code: "Send me a new code",
    status_granted: "granted",
    status_withdrawn: "withdrawn",
    status_denied: "denied",
    gpc_status: "not allowed, because your browser's Global Privacy Control signal asks us not to sell or share your data",
    gpc_allowed_anyway: "allowed by you for this use only, although your browser sends a Global Privacy Control signal",
    gpc_conflict_title: "Your browser asks us not to sell or share your data",
    gpc_conflict_text: "This use sells or shares your data, and your browser's Global Privacy Control signal tells us you do not want that. If you allow it anyway, we follow your choice for this use only: the signal still applies to everything else, and you can withdraw your permission at any time.",
    gpc_confirm: "Allow it anyway",
    gpc_keep_off: "Keep it off",
    kind_restriction: "Restrict the use of my data",
    dsr_pending_verification: "waiting for you to confirm who you are",
    dsr_verified: "in progress",
    dsr_extended: "in progress (deadline extended)",
    dsr_completed: "completed",
    dsr_rejected: "declined",
    months: "January|February|March|April|May|June|July|August|September|October|November|December",
    date_format: "{d} {month} {y}",
    reasons_favourable: "The outcome was in your favour. What weighed against it",
    reasons_main: "The main reasons were",
    reasons_unnamed: "other factors in the model",
    reasons_none: "No single factor weighed against you.",
    hint_below: "If {feature} had been below {value}, the outcome would likely have been different.",
    hint_above: "If {feature} had been above {value}, the outcome would likely have been different.",
    changes_would_differ: "If {changes}, the outcome would likely have been different.",
    change_first: "{feature} had been {to} instead of {from}",
    change_more: "{feature} {to} instead of {from}",
    and_last: " and ",
};

/// German.
pub(crate) const DE: Text = Text {
    lang: "de",
    skip: "Zum Inhalt springen",
    brand: "Ihr Datenschutz",
    nav_consents: "Einwilligungen",
    nav_data: "Meine Daten",
    nav_requests: "Meine Anfragen",
    nav_decisions: "Entscheidungen über mich",
    sign_out: "Abmelden",
    consents_title: "Ihre Einwilligungen",
    consents_intro: "Für jede Nutzung Ihrer Daten, für die wir Ihre Einwilligung brauchen, können Sie Ihre Einwilligung geben oder jederzeit widerrufen. Ein Widerruf wirkt sofort.",
    gpc_note: "Ihr Browser sendet das Datenschutz-Signal „Global Privacy Control“. Wir halten uns daran: Wir verkaufen Ihre Daten nicht und geben sie nicht weiter, und Änderungen, die Sie hier vornehmen, speichern wir zusammen mit diesem Signal.",
    notice_version: "Version dieses Hinweises",
    status: "Aktueller Stand:",
    not_asked: "noch nicht gefragt",
    withdraw: "Einwilligung widerrufen für",
    allow: "Einwilligung geben für",
    consent_recorded: "Vielen Dank: Ihre Einwilligung ist gespeichert.",
    consent_withdrawn: "Ihre Einwilligung ist widerrufen.",
    data_title: "Die Daten, die wir über Sie gespeichert haben",
    data_kind: "Art der Daten",
    data_value: "Wert",
    data_download: "Alle Daten herunterladen (JSON)",
    requests_title: "Ihre Anfragen",
    request_kind: "Anfrage",
    request_status: "Bearbeitungsstand",
    request_due: "Wir antworten bis",
    requests_none: "Sie haben noch keine Anfragen gestellt.",
    request_new: "Anfrage stellen",
    request_what: "Was sollen wir für Sie tun?",
    request_send: "Anfrage senden",
    request_recorded: "Ihre Anfrage ist bei uns eingegangen. Wir prüfen Ihre Identität und antworten Ihnen bis zum angezeigten Datum.",
    kind_access: "Eine Kopie meiner Daten erhalten",
    kind_portability: "Meine Daten in einem übertragbaren Format erhalten",
    kind_erasure: "Meine Daten löschen",
    kind_opt_out: "Meine Daten nicht verkaufen oder weitergeben",
    kind_objection: "Meine Daten nicht mehr zur Profilbildung verwenden",
    kind_rectification: "Meine Daten korrigieren",
    kind_contest: "Eine automatisierte Entscheidung von einer Person überprüfen lassen",
    correct_title: "Meine Daten korrigieren",
    correct_which: "Welche Angabe ist falsch?",
    correct_value: "Die richtige Angabe",
    correct_send: "Korrektur beantragen",
    decisions_title: "Automatisierte Entscheidungen über Sie",
    decisions_outcome: "Ergebnis:",
    decisions_model: "Modell",
    decisions_by_person: "von einer Person nach Prüfung entschieden",
    decisions_none: "Über Sie wurde keine automatisierte Entscheidung getroffen.",
    contest_label: "Diese Entscheidung anfechten: Sagen Sie uns, warum eine Person sie noch einmal prüfen sollte",
    contest_send: "Entscheidung anfechten",
    review_asked_on: "Sie haben eine Überprüfung beantragt am",
    review_answer_by: "eine Person antwortet Ihnen spätestens am",
    review_pending: "Eine Person prüft diese Entscheidung, bevor sie wirksam wird, und antwortet Ihnen spätestens am",
    review_done_on: "Eine Person hat diese Entscheidung überprüft am",
    review_kept: "Die Entscheidung bleibt bestehen.",
    review_changed: "Die Entscheidung wurde geändert in",
    review_reason: "Begründung:",
    link_broken_title: "Dieser Link funktioniert nicht",
    link_broken_text: "Bitten Sie die Website, die Ihnen den Link geschickt hat, um einen neuen, oder melden Sie sich mit einem Einmalcode an.",
    signed_out_title: "Abgemeldet",
    signed_out_text: "Sie sind von Ihrem Datenschutzbereich abgemeldet.",
    not_allowed_title: "Nicht erlaubt",
    stale_form: "Dieses Formular ist nicht mehr aktuell. Bitte laden Sie die Seite neu.",
    failed_title: "Etwas ist schiefgelaufen",
    failed_text: "Bitte versuchen Sie es später noch einmal.",
    not_found_title: "Nicht gefunden",
    not_found_text: "Das konnten wir leider nicht finden.",
    start_title: "Im Datenschutzbereich anmelden",
    start_text: "Geben Sie Ihre Kundennummer oder die E-Mail-Adresse ein, die wir von Ihnen haben. Wir senden Ihnen einen Einmalcode an die Kontaktdaten, die bei uns hinterlegt sind.",
    customer_number: "Kundennummer oder E-Mail-Adresse",
    send_code: "Code zusenden",
    code_sent: "Wenn wir diese Kundennummer kennen, ist ein Code an Ihre bei uns hinterlegten Kontaktdaten unterwegs. Er ist 10 Minuten lang gültig.",
    code_label: "Einmalcode",
    code_submit: "Anmelden",
    codes_off: "Die Anmeldung mit Code ist hier nicht möglich. Bitte nutzen Sie den Datenschutz-Link auf unserer Website.",
    outbox_title: "Demo-Postausgang: Codes, die verschickt worden wären",
    too_many_title: "Bitte warten Sie einen Moment",
    too_many_text: "Von hier aus gab es zu viele Versuche. Bitte warten Sie ein paar Minuten und versuchen Sie es dann noch einmal.",
    sign_in_with_code: "Mit einem Einmalcode anmelden",
    sign_in_again: "Erneut anmelden",
    back_to_consents: "Zurück zu Ihren Einwilligungen",
    code_wrong_next: "Prüfen Sie den Code in der neuesten Nachricht, die wir Ihnen geschickt haben. Jeder Code gilt nur einmal und nur 10 Minuten lang; ist Ihr Code abgelaufen, fordern Sie einen neuen an.",
    send_new_code: "Neuen Code zusenden",
    status_granted: "erlaubt",
    status_withdrawn: "widerrufen",
    status_denied: "abgelehnt",
    gpc_status: "nicht erlaubt, weil Ihr Browser mit dem Signal „Global Privacy Control“ darum bittet, Ihre Daten nicht zu verkaufen oder weiterzugeben",
    gpc_allowed_anyway: "von Ihnen nur für diese Nutzung erlaubt, obwohl Ihr Browser das Signal „Global Privacy Control“ sendet",
    gpc_conflict_title: "Ihr Browser bittet uns, Ihre Daten nicht zu verkaufen oder weiterzugeben",
    gpc_conflict_text: "Bei dieser Nutzung werden Ihre Daten verkauft oder weitergegeben, und das Signal „Global Privacy Control“ Ihres Browsers teilt uns mit, dass Sie das nicht möchten. Wenn Sie es trotzdem erlauben, richten wir uns nur bei dieser Nutzung nach Ihrer Wahl: Für alles andere gilt das Signal weiterhin, und Sie können Ihre Einwilligung jederzeit widerrufen.",
    gpc_confirm: "Trotzdem erlauben",
    gpc_keep_off: "Nicht erlauben",
    kind_restriction: "Die Verwendung meiner Daten einschränken",
    dsr_pending_verification: "wartet auf die Bestätigung Ihrer Identität",
    dsr_verified: "in Bearbeitung",
    dsr_extended: "in Bearbeitung (Frist verlängert)",
    dsr_completed: "erledigt",
    dsr_rejected: "abgelehnt",
    months: "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember",
    date_format: "{d}. {month} {y}",
    reasons_favourable: "Das Ergebnis fiel zu Ihren Gunsten aus. Dagegen sprach",
    reasons_main: "Die wichtigsten Gründe waren",
    reasons_unnamed: "weitere Faktoren des Modells",
    reasons_none: "Kein einzelner Faktor sprach gegen Sie.",
    hint_below: "Wäre {feature} unter {value} gewesen, wäre das Ergebnis wahrscheinlich anders ausgefallen.",
    hint_above: "Wäre {feature} über {value} gewesen, wäre das Ergebnis wahrscheinlich anders ausgefallen.",
    changes_would_differ: "Wenn {changes}, wäre das Ergebnis wahrscheinlich anders ausgefallen.",
    change_first: "{feature} {to} statt {from} gewesen wäre",
    change_more: "{feature} {to} statt {from} gewesen wäre",
    and_last: " und ",
};

/// French. A no-break space (`\u{a0}`) goes before `:`, `;` and `?`, as French typography wants.
pub(crate) const FR: Text = Text {
    lang: "fr",
    skip: "Aller au contenu",
    brand: "Votre vie privée",
    nav_consents: "Consentements",
    nav_data: "Mes données",
    nav_requests: "Mes demandes",
    nav_decisions: "Décisions me concernant",
    sign_out: "Se déconnecter",
    consents_title: "Vos consentements",
    consents_intro: "Pour chaque utilisation de vos données qui demande votre accord, vous pouvez donner cet accord ou le retirer à tout moment. Le retrait prend effet immédiatement.",
    gpc_note: "Votre navigateur envoie un signal Global Privacy Control (un signal de protection de la vie privée). Nous le respectons\u{a0}: nous ne vendons pas et ne partageons pas vos données, et les modifications que vous faites ici sont enregistrées avec ce signal.",
    notice_version: "Version de ce texte",
    status: "Statut\u{a0}:",
    not_asked: "pas encore demandé",
    withdraw: "Retirer mon consentement pour",
    allow: "Autoriser",
    consent_recorded: "Merci\u{a0}: votre consentement est enregistré.",
    consent_withdrawn: "Votre consentement est retiré.",
    data_title: "Les données que nous avons sur vous",
    data_kind: "Type de données",
    data_value: "Valeur",
    data_download: "Télécharger toutes vos données (JSON)",
    requests_title: "Vos demandes",
    request_kind: "Demande",
    request_status: "Statut",
    request_due: "Nous répondons au plus tard le",
    requests_none: "Vous n'avez fait aucune demande.",
    request_new: "Faire une demande",
    request_what: "Que souhaitez-vous que nous fassions\u{a0}?",
    request_send: "Envoyer la demande",
    request_recorded: "Votre demande est enregistrée. Nous vérifierons votre identité et vous répondrons au plus tard à la date indiquée.",
    kind_access: "Recevoir une copie de mes données",
    kind_portability: "Recevoir mes données dans un format transférable",
    kind_erasure: "Supprimer mes données",
    kind_opt_out: "Ne pas vendre ni partager mes données",
    kind_objection: "Ne plus utiliser mes données pour établir mon profil",
    kind_rectification: "Corriger mes données",
    kind_contest: "Faire réexaminer une décision automatisée par une personne",
    correct_title: "Corriger mes données",
    correct_which: "Quelle information est incorrecte\u{a0}?",
    correct_value: "L'information correcte",
    correct_send: "Demander la correction",
    decisions_title: "Décisions automatisées vous concernant",
    decisions_outcome: "Résultat\u{a0}:",
    decisions_model: "modèle",
    decisions_by_person: "décidé par une personne après réexamen",
    decisions_none: "Aucune décision automatisée n'a été prise à votre sujet.",
    contest_label: "Contester cette décision\u{a0}: expliquez-nous pourquoi une personne devrait la réexaminer",
    contest_send: "Contester cette décision",
    review_asked_on: "Vous avez demandé un réexamen le",
    review_answer_by: "une personne vous répondra au plus tard le",
    review_pending: "Une personne vérifie cette décision avant qu'elle ne s'applique\u{a0}; elle vous répondra au plus tard le",
    review_done_on: "Une personne a réexaminé cette décision le",
    review_kept: "La décision est maintenue.",
    review_changed: "La décision a été remplacée par",
    review_reason: "Motif\u{a0}:",
    link_broken_title: "Ce lien ne fonctionne pas",
    link_broken_text: "Demandez-en un nouveau au site qui vous l'a envoyé, ou connectez-vous avec un code à usage unique.",
    signed_out_title: "Déconnexion",
    signed_out_text: "Votre session dans votre espace vie privée est terminée.",
    not_allowed_title: "Action non autorisée",
    stale_form: "Ce formulaire n'est plus à jour. Rechargez la page.",
    failed_title: "Un problème est survenu",
    failed_text: "Veuillez réessayer plus tard.",
    not_found_title: "Introuvable",
    not_found_text: "Nous n'avons pas trouvé ce que vous cherchez.",
    start_title: "Connectez-vous à votre espace vie privée",
    start_text: "Saisissez votre numéro client ou l'adresse e-mail enregistrée chez nous. Nous envoyons un code à usage unique aux coordonnées dont nous disposons.",
    customer_number: "Numéro client ou adresse e-mail",
    send_code: "M'envoyer un code",
    code_sent: "Si nous connaissons ce numéro client, un code est en route vers les coordonnées enregistrées chez nous. Il est valable 10 minutes.",
    code_label: "Code à usage unique",
    code_submit: "Se connecter",
    codes_off: "La connexion par code n'est pas disponible ici. Utilisez le lien vers votre espace vie privée sur notre site web.",
    outbox_title: "Boîte d'envoi de démonstration\u{a0}: codes qui auraient été envoyés",
    too_many_title: "Merci de patienter un instant",
    too_many_text: "Il y a eu trop de tentatives depuis votre connexion. Attendez quelques minutes, puis réessayez.",
    sign_in_with_code: "Se connecter avec un code à usage unique",
    sign_in_again: "Se reconnecter",
    back_to_consents: "Retour à vos consentements",
    code_wrong_next: "Vérifiez le code dans le dernier message que nous vous avons envoyé. Un code ne sert qu'une fois et n'est valable que 10 minutes\u{a0}; si le vôtre a expiré, demandez-en un nouveau.",
    send_new_code: "M'envoyer un nouveau code",
    status_granted: "autorisé",
    status_withdrawn: "retiré",
    status_denied: "refusé",
    gpc_status: "non autorisé, car le signal Global Privacy Control de votre navigateur nous demande de ne pas vendre ni partager vos données",
    gpc_allowed_anyway: "autorisé par vous pour cette utilisation uniquement, bien que votre navigateur envoie un signal Global Privacy Control",
    gpc_conflict_title: "Votre navigateur nous demande de ne pas vendre ni partager vos données",
    gpc_conflict_text: "Cette utilisation consiste à vendre ou à partager vos données, et le signal Global Privacy Control de votre navigateur nous indique que vous ne le souhaitez pas. Si vous l'autorisez malgré tout, nous suivrons votre choix pour cette utilisation uniquement\u{a0}: le signal reste valable pour tout le reste, et vous pouvez retirer votre accord à tout moment.",
    gpc_confirm: "Autoriser quand même",
    gpc_keep_off: "Ne pas autoriser",
    kind_restriction: "Limiter l’utilisation de mes données",
    dsr_pending_verification: "en attente de la vérification de votre identité",
    dsr_verified: "en cours",
    dsr_extended: "en cours (délai prolongé)",
    dsr_completed: "traitée",
    dsr_rejected: "refusée",
    months: "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre",
    date_format: "{d} {month} {y}",
    reasons_favourable: "La décision vous a été favorable. Ce qui a pesé contre elle",
    reasons_main: "Les principales raisons étaient",
    reasons_unnamed: "d’autres facteurs du modèle",
    reasons_none: "Aucun facteur en particulier n’a pesé contre vous.",
    hint_below: "Avec {feature} en dessous de {value}, le résultat aurait probablement été différent.",
    hint_above: "Avec {feature} au-dessus de {value}, le résultat aurait probablement été différent.",
    changes_would_differ: "Si {changes}, le résultat aurait probablement été différent.",
    change_first: "{feature} avait été de {to} au lieu de {from}",
    change_more: "{feature} de {to} au lieu de {from}",
    and_last: " et ",
};

/// Spanish.
pub(crate) const ES: Text = Text {
    lang: "es",
    skip: "Ir al contenido",
    brand: "Su privacidad",
    nav_consents: "Consentimientos",
    nav_data: "Mis datos",
    nav_requests: "Mis solicitudes",
    nav_decisions: "Decisiones sobre mí",
    sign_out: "Cerrar sesión",
    consents_title: "Sus consentimientos",
    consents_intro: "Para cada uso de sus datos que requiera su permiso, puede darlo o retirarlo en cualquier momento. Si lo retira, el cambio se aplica de inmediato.",
    gpc_note: "Su navegador envía una señal Global Privacy Control (una señal de privacidad). La respetamos: no vendemos ni compartimos sus datos, y los cambios que haga aquí se registran junto con esa señal.",
    notice_version: "Versión de este aviso",
    status: "Estado:",
    not_asked: "aún no se le ha preguntado",
    withdraw: "Retirar mi consentimiento para",
    allow: "Permitir",
    consent_recorded: "Gracias: hemos registrado su consentimiento.",
    consent_withdrawn: "Su consentimiento se ha retirado.",
    data_title: "Los datos que tenemos sobre usted",
    data_kind: "Tipo de dato",
    data_value: "Valor",
    data_download: "Descargar todos sus datos (JSON)",
    requests_title: "Sus solicitudes",
    request_kind: "Solicitud",
    request_status: "Estado",
    request_due: "Responderemos a más tardar el",
    requests_none: "No ha hecho ninguna solicitud.",
    request_new: "Hacer una solicitud",
    request_what: "¿Qué quiere que hagamos?",
    request_send: "Enviar solicitud",
    request_recorded: "Hemos registrado su solicitud. Comprobaremos su identidad y le responderemos a más tardar en la fecha indicada.",
    kind_access: "Recibir una copia de mis datos",
    kind_portability: "Recibir mis datos en un formato que pueda llevar a otro servicio",
    kind_erasure: "Eliminar mis datos",
    kind_opt_out: "No vender ni compartir mis datos",
    kind_objection: "Dejar de usar mis datos para elaborar perfiles",
    kind_rectification: "Corregir mis datos",
    kind_contest: "Que una persona revise una decisión automatizada",
    correct_title: "Corregir mis datos",
    correct_which: "¿Qué dato es incorrecto?",
    correct_value: "El dato correcto",
    correct_send: "Solicitar la corrección",
    decisions_title: "Decisiones automatizadas sobre usted",
    decisions_outcome: "Resultado:",
    decisions_model: "modelo",
    decisions_by_person: "decidido por una persona tras una revisión",
    decisions_none: "No se ha tomado ninguna decisión automatizada sobre usted.",
    contest_label: "Impugnar esta decisión: díganos por qué una persona debería volver a revisarla",
    contest_send: "Impugnar esta decisión",
    review_asked_on: "Solicitó una revisión el",
    review_answer_by: "una persona le responderá a más tardar el",
    review_pending: "Una persona está revisando esta decisión antes de que se aplique; le responderá a más tardar el",
    review_done_on: "Una persona revisó esta decisión el",
    review_kept: "La decisión se mantiene.",
    review_changed: "La decisión se cambió a",
    review_reason: "Motivo:",
    link_broken_title: "Este enlace no funciona",
    link_broken_text: "Pida uno nuevo al sitio web que se lo envió o inicie sesión con un código de un solo uso.",
    signed_out_title: "Sesión cerrada",
    signed_out_text: "Ha cerrado la sesión de su centro de privacidad.",
    not_allowed_title: "No permitido",
    stale_form: "Este formulario está desactualizado. Vuelva a cargar la página.",
    failed_title: "Algo ha salido mal",
    failed_text: "Vuelva a intentarlo más tarde.",
    not_found_title: "No encontrado",
    not_found_text: "No hemos podido encontrar lo que busca.",
    start_title: "Inicie sesión en su centro de privacidad",
    start_text: "Introduzca su número de cliente o la dirección de correo electrónico que tenemos registrada. Le enviaremos un código de un solo uso a los datos de contacto que tenemos de usted.",
    customer_number: "Número de cliente o dirección de correo electrónico",
    send_code: "Enviarme un código",
    code_sent: "Si conocemos este número de cliente, le estamos enviando un código a los datos de contacto que tenemos registrados. Es válido durante 10 minutos.",
    code_label: "Código de un solo uso",
    code_submit: "Iniciar sesión",
    codes_off: "Aquí no se puede iniciar sesión con un código. Use el enlace de privacidad de nuestro sitio web.",
    outbox_title: "Bandeja de salida de demostración: códigos que se habrían enviado",
    too_many_title: "Espere un momento, por favor",
    too_many_text: "Ha habido demasiados intentos desde aquí. Espere unos minutos y vuelva a intentarlo.",
    sign_in_with_code: "Iniciar sesión con un código de un solo uso",
    sign_in_again: "Volver a iniciar sesión",
    back_to_consents: "Volver a sus consentimientos",
    code_wrong_next: "Compruebe el código del último mensaje que le enviamos. Cada código sirve una sola vez y solo durante 10 minutos; si el suyo ha caducado, pida uno nuevo.",
    send_new_code: "Enviarme un código nuevo",
    status_granted: "permitido",
    status_withdrawn: "retirado",
    status_denied: "rechazado",
    gpc_status: "no permitido, porque la señal Global Privacy Control de su navegador nos pide que no vendamos ni compartamos sus datos",
    gpc_allowed_anyway: "permitido por usted solo para este uso, aunque su navegador envía una señal Global Privacy Control",
    gpc_conflict_title: "Su navegador nos pide que no vendamos ni compartamos sus datos",
    gpc_conflict_text: "Este uso implica vender o compartir sus datos, y la señal Global Privacy Control de su navegador nos indica que usted no lo desea. Si lo permite de todos modos, seguiremos su decisión solo para este uso: la señal se sigue aplicando a todo lo demás y puede retirar su permiso en cualquier momento.",
    gpc_confirm: "Permitirlo de todos modos",
    gpc_keep_off: "No permitirlo",
    kind_restriction: "Limitar el uso de mis datos",
    dsr_pending_verification: "pendiente de que confirme su identidad",
    dsr_verified: "en curso",
    dsr_extended: "en curso (plazo ampliado)",
    dsr_completed: "completada",
    dsr_rejected: "rechazada",
    months: "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre",
    date_format: "{d} de {month} de {y}",
    reasons_favourable: "El resultado le fue favorable. Lo que pesó en contra",
    reasons_main: "Los principales motivos fueron",
    reasons_unnamed: "otros factores del modelo",
    reasons_none: "Ningún factor concreto pesó en su contra.",
    hint_below: "Con {feature} por debajo de {value}, el resultado probablemente habría sido distinto.",
    hint_above: "Con {feature} por encima de {value}, el resultado probablemente habría sido distinto.",
    changes_would_differ: "Si {changes}, el resultado probablemente habría sido distinto.",
    change_first: "{feature} hubiera sido {to} en lugar de {from}",
    change_more: "{feature} {to} en lugar de {from}",
    and_last: " y ",
};

/// Dutch.
pub(crate) const NL: Text = Text {
    lang: "nl",
    skip: "Naar de inhoud",
    brand: "Uw privacy",
    nav_consents: "Toestemmingen",
    nav_data: "Mijn gegevens",
    nav_requests: "Mijn verzoeken",
    nav_decisions: "Beslissingen over mij",
    sign_out: "Uitloggen",
    consents_title: "Uw toestemmingen",
    consents_intro: "Voor elk gebruik van uw gegevens waarvoor wij uw toestemming nodig hebben, kunt u toestemming geven of uw toestemming op elk moment intrekken. Intrekken werkt meteen.",
    gpc_note: "Uw browser stuurt een Global Privacy Control-signaal (een privacysignaal). Wij houden ons daaraan: wij verkopen of delen uw gegevens niet, en wijzigingen die u hier maakt, leggen wij samen met dat signaal vast.",
    notice_version: "Versie van deze tekst",
    status: "Status:",
    not_asked: "nog niet gevraagd",
    withdraw: "Toestemming intrekken voor",
    allow: "Toestemming geven voor",
    consent_recorded: "Dank u: uw toestemming is vastgelegd.",
    consent_withdrawn: "Uw toestemming is ingetrokken.",
    data_title: "De gegevens die wij over u hebben",
    data_kind: "Soort gegevens",
    data_value: "Waarde",
    data_download: "Al uw gegevens downloaden (JSON)",
    requests_title: "Uw verzoeken",
    request_kind: "Verzoek",
    request_status: "Voortgang",
    request_due: "Wij antwoorden uiterlijk op",
    requests_none: "U hebt nog geen verzoeken gedaan.",
    request_new: "Een verzoek indienen",
    request_what: "Wat wilt u dat wij doen?",
    request_send: "Verzoek versturen",
    request_recorded: "Uw verzoek is vastgelegd. Wij controleren uw identiteit en antwoorden uiterlijk op de getoonde datum.",
    kind_access: "Een kopie van mijn gegevens krijgen",
    kind_portability: "Mijn gegevens krijgen in een formaat dat ik naar een andere dienst kan meenemen",
    kind_erasure: "Mijn gegevens verwijderen",
    kind_opt_out: "Mijn gegevens niet verkopen of delen",
    kind_objection: "Mijn gegevens niet meer gebruiken om een profiel van mij op te stellen",
    kind_rectification: "Mijn gegevens corrigeren",
    kind_contest: "Een automatische beslissing door een medewerker laten beoordelen",
    correct_title: "Mijn gegevens corrigeren",
    correct_which: "Welk gegeven klopt niet?",
    correct_value: "Het juiste gegeven",
    correct_send: "Correctie aanvragen",
    decisions_title: "Automatische beslissingen over u",
    decisions_outcome: "Uitkomst:",
    decisions_model: "model",
    decisions_by_person: "genomen door een medewerker na beoordeling",
    decisions_none: "Er is geen automatische beslissing over u genomen.",
    contest_label: "Deze beslissing aanvechten: vertel ons waarom een medewerker er opnieuw naar moet kijken",
    contest_send: "Deze beslissing aanvechten",
    review_asked_on: "U hebt een nieuwe beoordeling aangevraagd op",
    review_answer_by: "een medewerker antwoordt u uiterlijk op",
    review_pending: "Een medewerker controleert deze beslissing voordat die ingaat; u krijgt antwoord uiterlijk op",
    review_done_on: "Een medewerker heeft deze beslissing beoordeeld op",
    review_kept: "De beslissing blijft staan.",
    review_changed: "De beslissing is gewijzigd in",
    review_reason: "Reden:",
    link_broken_title: "Deze link werkt niet",
    link_broken_text: "Vraag de website die u deze link heeft gestuurd om een nieuwe, of log in met een eenmalige code.",
    signed_out_title: "Uitgelogd",
    signed_out_text: "U bent uitgelogd uit uw privacycentrum.",
    not_allowed_title: "Niet toegestaan",
    stale_form: "Dit formulier is verouderd. Laad de pagina opnieuw.",
    failed_title: "Er ging iets mis",
    failed_text: "Probeer het later opnieuw.",
    not_found_title: "Niet gevonden",
    not_found_text: "Wij konden dit niet vinden.",
    start_title: "Inloggen bij uw privacycentrum",
    start_text: "Vul uw klantnummer in of het e-mailadres dat wij van u hebben. Wij sturen een eenmalige code naar de contactgegevens die bij ons bekend zijn.",
    customer_number: "Klantnummer of e-mailadres",
    send_code: "Stuur mij een code",
    code_sent: "Als wij dit klantnummer kennen, is er een code onderweg naar de contactgegevens die wij van u hebben. De code is 10 minuten geldig.",
    code_label: "Eenmalige code",
    code_submit: "Inloggen",
    codes_off: "Inloggen met een code is hier niet mogelijk. Gebruik de privacylink op onze website.",
    outbox_title: "Demo-postvak uit: codes die zouden zijn verstuurd",
    too_many_title: "Een ogenblik geduld",
    too_many_text: "Er zijn vanaf hier te veel pogingen gedaan. Wacht een paar minuten en probeer het dan opnieuw.",
    sign_in_with_code: "Inloggen met een eenmalige code",
    sign_in_again: "Opnieuw inloggen",
    back_to_consents: "Terug naar uw toestemmingen",
    code_wrong_next: "Controleer de code in het laatste bericht dat wij u hebben gestuurd. Een code werkt maar één keer en is 10 minuten geldig; is uw code verlopen, vraag dan een nieuwe aan.",
    send_new_code: "Stuur mij een nieuwe code",
    status_granted: "toegestaan",
    status_withdrawn: "ingetrokken",
    status_denied: "geweigerd",
    gpc_status: "niet toegestaan, omdat het Global Privacy Control-signaal van uw browser ons vraagt uw gegevens niet te verkopen of te delen",
    gpc_allowed_anyway: "door u alleen voor dit gebruik toegestaan, hoewel uw browser een Global Privacy Control-signaal stuurt",
    gpc_conflict_title: "Uw browser vraagt ons uw gegevens niet te verkopen of te delen",
    gpc_conflict_text: "Bij dit gebruik worden uw gegevens verkocht of gedeeld, en het Global Privacy Control-signaal van uw browser laat ons weten dat u dat niet wilt. Als u het toch toestaat, volgen wij uw keuze alleen voor dit gebruik: voor al het andere blijft het signaal gelden, en u kunt uw toestemming op elk moment intrekken.",
    gpc_confirm: "Toch toestaan",
    gpc_keep_off: "Niet toestaan",
    kind_restriction: "Het gebruik van mijn gegevens beperken",
    dsr_pending_verification: "wacht op de bevestiging van uw identiteit",
    dsr_verified: "in behandeling",
    dsr_extended: "in behandeling (termijn verlengd)",
    dsr_completed: "afgerond",
    dsr_rejected: "afgewezen",
    months: "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december",
    date_format: "{d} {month} {y}",
    reasons_favourable: "De uitkomst was in uw voordeel. Wat ertegen pleitte",
    reasons_main: "De belangrijkste redenen waren",
    reasons_unnamed: "andere factoren in het model",
    reasons_none: "Geen enkele factor pleitte tegen u.",
    hint_below: "Als {feature} lager dan {value} was geweest, was de uitkomst waarschijnlijk anders geweest.",
    hint_above: "Als {feature} hoger dan {value} was geweest, was de uitkomst waarschijnlijk anders geweest.",
    changes_would_differ: "Als {changes}, was de uitkomst waarschijnlijk anders geweest.",
    change_first: "{feature} {to} in plaats van {from} was geweest",
    change_more: "{feature} {to} in plaats van {from}",
    and_last: " en ",
};

impl Text {
    /// The sentences around a model dictionary's words, for reasons and hints in this
    /// language.
    pub(crate) fn phrases(&self) -> custos_explain::reasons::Phrases<'static> {
        custos_explain::reasons::Phrases {
            favourable: self.reasons_favourable,
            main_reasons: self.reasons_main,
            no_reason: self.reasons_none,
            unnamed: self.reasons_unnamed,
            hint_below: self.hint_below,
            hint_above: self.hint_above,
            changed: self.changes_would_differ,
            change_first: self.change_first,
            change_more: self.change_more,
            and: self.and_last,
            // The polite "Ihr" and "Sie" keep their capital inside a German sentence.
            keep_capital: if self.lang == "de" { &["Ihr", "Ihre", "Ihrer", "Ihren", "Ihrem", "Ihres", "Sie"] } else { &[] },
            // English writes 0.5; German, French, Spanish and Dutch write 0,5.
            decimal: if self.lang == "en" { '.' } else { ',' },
        }
    }

    /// A date as this language writes it ("4 December 2026", "4. Dezember 2026").
    pub(crate) fn date(&self, t: &custos_core::Timestamp) -> String {
        use chrono::Datelike;
        let month = self.months.split('|').nth(t.month0() as usize).unwrap_or_default();
        self.date_format.replace("{d}", &t.day().to_string()).replace("{month}", month).replace("{y}", &t.year().to_string())
    }

    /// A request's state in this language.
    pub(crate) fn request_state(&self, s: custos_core::DsrStatus) -> &'static str {
        use custos_core::DsrStatus;
        match s {
            DsrStatus::PendingVerification => self.dsr_pending_verification,
            DsrStatus::Verified => self.dsr_verified,
            DsrStatus::Extended => self.dsr_extended,
            DsrStatus::Completed => self.dsr_completed,
            DsrStatus::Rejected => self.dsr_rejected,
        }
    }

    /// A data category's name in this language (fideslang's English name in English, and for
    /// a key that is not a category, the key).
    pub(crate) fn category(&self, key: &str) -> String {
        let translated = category_names().get(key).and_then(|names| names.get(self.lang));
        match translated {
            Some(name) => name.clone(),
            None => custos_core::data_category_name(key).unwrap_or(key).to_owned(),
        }
    }
}

/// The data categories' names in the privacy center's other languages, by category key and
/// language code (`src/category_names.json`).
fn category_names() -> &'static std::collections::HashMap<String, std::collections::HashMap<String, String>> {
    static NAMES: std::sync::OnceLock<std::collections::HashMap<String, std::collections::HashMap<String, String>>> =
        std::sync::OnceLock::new();
    // INVARIANT: the embedded file is checked by the tests below; were it unreadable the
    // categories would read in English, never fail a page.
    NAMES.get_or_init(|| serde_json::from_str(include_str!("category_names.json")).unwrap_or_default())
}

/// Every language the privacy center speaks, English (the fallback) first.
pub(crate) const LANGUAGES: [&Text; 5] = [&EN, &DE, &FR, &ES, &NL];

/// The words for a supported language code, exactly as [`Text::lang`] spells it (`"de"`, not
/// `"DE"` or `"de-AT"`).
pub(crate) fn by_code(code: &str) -> Option<&'static Text> {
    LANGUAGES.into_iter().find(|t| t.lang == code)
}

/// A longer `Accept-Language` header is not read at all (English is used).
const MAX_HEADER_LEN: usize = 4096;
/// Only this many language ranges of a header are considered.
const MAX_RANGES: usize = 32;

/// The words for an `Accept-Language` header (RFC 9110 § 12.5.4): the supported language the
/// browser weights highest (`q`, 1 when absent), the earlier one on a tie. A range matches on its
/// primary subtag, ignoring case (`de-AT` and `DE` mean German), `*` means English, `q=0` means
/// "not this one", and a range with a malformed weight is skipped. English when nothing matches,
/// when there is no header, or when the header is longer than 4096 bytes; only the first 32
/// ranges are read.
pub(crate) fn for_language(accept_language: Option<&str>) -> &'static Text {
    matched_language(accept_language).unwrap_or(&EN)
}

/// [`for_language`] without its fallback: `None` when the header names no supported language
/// (and no `*`), so that the customer's stored preference can decide.
pub(crate) fn matched_language(accept_language: Option<&str>) -> Option<&'static Text> {
    let header = accept_language?;
    if header.len() > MAX_HEADER_LEN {
        return None;
    }
    // The best language so far and its weight in thousandths.
    let mut best: Option<(&'static Text, u16)> = None;
    for entry in header.split(',').take(MAX_RANGES) {
        let mut parts = entry.split(';');
        let range = parts.next().unwrap_or_default().trim();
        let Some(q) = weight(parts) else { continue };
        if q == 0 {
            continue;
        }
        let text = if range == "*" { Some(&EN) } else { primary_language(range) };
        if let Some(text) = text
            && best.is_none_or(|(_, best_q)| q > best_q)
        {
            best = Some((text, q));
        }
    }
    best.map(|(text, _)| text)
}

/// The words for a stored language tag (`de`, `de-AT`, `DE`), if the privacy center speaks it.
pub(crate) fn for_tag(tag: &str) -> Option<&'static Text> {
    primary_language(tag.trim())
}

/// The language ranges of an `Accept-Language` header, best first (ties in header order),
/// without `*` and those weighted 0, with the same bounds and weight rules as
/// [`for_language`]: for content published in any language (AI disclosures), not only the
/// privacy center's five.
pub fn preferred_languages(accept_language: Option<&str>) -> Vec<String> {
    let Some(header) = accept_language.filter(|h| h.len() <= MAX_HEADER_LEN) else { return Vec::new() };
    let mut ranked: Vec<(u16, usize, &str)> = header
        .split(',')
        .take(MAX_RANGES)
        .enumerate()
        .filter_map(|(i, entry)| {
            let mut parts = entry.split(';');
            let range = parts.next().unwrap_or_default().trim();
            let q = weight(parts)?;
            let valid = !range.is_empty() && range.len() <= 35 && range.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            (valid && q > 0).then_some((q, i, range))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.into_iter().map(|(_, _, range)| range.to_owned()).collect()
}

/// The supported language a language range's primary subtag names (`es-419` → Spanish), if any.
fn primary_language(range: &str) -> Option<&'static Text> {
    let primary = range.split('-').next().unwrap_or_default();
    // Subtags are at most 8 ASCII letters; lower-case one on the stack.
    let mut lower = [0_u8; 8];
    let bytes = primary.as_bytes();
    if bytes.is_empty() || bytes.len() > lower.len() || !bytes.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    for (l, b) in lower.iter_mut().zip(bytes) {
        *l = b.to_ascii_lowercase();
    }
    std::str::from_utf8(&lower[..bytes.len()]).ok().and_then(by_code)
}

/// The weight of a language range in thousandths, from its parameters (what follows the range's
/// first `;`): 1000 without a `q`, `None` when `q` is malformed or given twice. Other parameters
/// are not part of `Accept-Language` and are ignored.
fn weight(params: std::str::Split<'_, char>) -> Option<u16> {
    let mut q = None;
    for param in params {
        let Some((name, value)) = param.split_once('=') else { continue };
        if !name.trim().eq_ignore_ascii_case("q") {
            continue;
        }
        if q.is_some() {
            return None;
        }
        q = Some(qvalue(value.trim())?);
    }
    Some(q.unwrap_or(1000))
}

/// A `qvalue` (RFC 9110 § 12.4.2: `0` to `1` with at most three decimals) in thousandths.
fn qvalue(s: &str) -> Option<u16> {
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths = 0_u16;
    let mut scale = 100_u16;
    for digit in fraction.bytes() {
        thousandths += u16::from(digit - b'0') * scale;
        scale /= 10;
    }
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// What the consent snippet on a business's site says, in the language an `Accept-Language`
/// header picks (the privacy center's words): the language code and the sentences by name.
pub fn snippet_words(accept_language: Option<&str>) -> (&'static str, serde_json::Value) {
    let t = for_language(accept_language);
    let words = serde_json::json!({
        "title": t.consents_title,
        "intro": t.consents_intro,
        "gpc_note": t.gpc_note,
        "notice_version": t.notice_version,
        "status": t.status,
        "not_asked": t.not_asked,
        "granted": t.status_granted,
        "withdrawn": t.status_withdrawn,
        "denied": t.status_denied,
        "allow": t.allow,
        "withdraw": t.withdraw,
        "consent_recorded": t.consent_recorded,
        "consent_withdrawn": t.consent_withdrawn,
        "gpc_status": t.gpc_status,
        "gpc_allowed_anyway": t.gpc_allowed_anyway,
        "gpc_conflict_title": t.gpc_conflict_title,
        "gpc_conflict_text": t.gpc_conflict_text,
        "gpc_confirm": t.gpc_confirm,
        "gpc_keep_off": t.gpc_keep_off,
        "privacy_center": t.brand,
        "failed": t.failed_text,
    });
    (t.lang, words)
}

#[cfg(test)]
mod tests {
    #[test]
    fn accept_language_is_ranked_by_weight_then_order() {
        assert_eq!(super::preferred_languages(Some("de-AT,de;q=0.9,en;q=0.8")), ["de-AT", "de", "en"]);
        assert_eq!(super::preferred_languages(Some("fr;q=0.2, nl;q=0.7, *;q=0.1")), ["nl", "fr"]);
        assert_eq!(super::preferred_languages(Some("es;q=0, pt;q=abc, it")), ["it"]);
        assert!(super::preferred_languages(Some(&"a,".repeat(3000))).is_empty(), "too long a header is ignored");
        assert!(super::preferred_languages(None).is_empty());
    }

    use super::*;

    /// Every field of `t` as (field name, text), in the struct's order.
    fn sentences(t: &Text) -> Vec<(&'static str, &'static str)> {
        vec![
            ("lang", t.lang),
            ("skip", t.skip),
            ("brand", t.brand),
            ("nav_consents", t.nav_consents),
            ("nav_data", t.nav_data),
            ("nav_requests", t.nav_requests),
            ("nav_decisions", t.nav_decisions),
            ("sign_out", t.sign_out),
            ("consents_title", t.consents_title),
            ("consents_intro", t.consents_intro),
            ("gpc_note", t.gpc_note),
            ("notice_version", t.notice_version),
            ("status", t.status),
            ("not_asked", t.not_asked),
            ("withdraw", t.withdraw),
            ("allow", t.allow),
            ("consent_recorded", t.consent_recorded),
            ("consent_withdrawn", t.consent_withdrawn),
            ("data_title", t.data_title),
            ("data_kind", t.data_kind),
            ("data_value", t.data_value),
            ("data_download", t.data_download),
            ("requests_title", t.requests_title),
            ("request_kind", t.request_kind),
            ("request_status", t.request_status),
            ("request_due", t.request_due),
            ("requests_none", t.requests_none),
            ("request_new", t.request_new),
            ("request_what", t.request_what),
            ("request_send", t.request_send),
            ("request_recorded", t.request_recorded),
            ("kind_access", t.kind_access),
            ("kind_portability", t.kind_portability),
            ("kind_erasure", t.kind_erasure),
            ("kind_opt_out", t.kind_opt_out),
            ("kind_objection", t.kind_objection),
            ("kind_rectification", t.kind_rectification),
            ("kind_contest", t.kind_contest),
            ("correct_title", t.correct_title),
            ("correct_which", t.correct_which),
            ("correct_value", t.correct_value),
            ("correct_send", t.correct_send),
            ("decisions_title", t.decisions_title),
            ("decisions_outcome", t.decisions_outcome),
            ("decisions_model", t.decisions_model),
            ("decisions_by_person", t.decisions_by_person),
            ("decisions_none", t.decisions_none),
            ("contest_label", t.contest_label),
            ("contest_send", t.contest_send),
            ("review_asked_on", t.review_asked_on),
            ("review_answer_by", t.review_answer_by),
            ("review_pending", t.review_pending),
            ("review_done_on", t.review_done_on),
            ("review_kept", t.review_kept),
            ("review_changed", t.review_changed),
            ("review_reason", t.review_reason),
            ("link_broken_title", t.link_broken_title),
            ("link_broken_text", t.link_broken_text),
            ("signed_out_title", t.signed_out_title),
            ("signed_out_text", t.signed_out_text),
            ("not_allowed_title", t.not_allowed_title),
            ("stale_form", t.stale_form),
            ("failed_title", t.failed_title),
            ("failed_text", t.failed_text),
            ("not_found_title", t.not_found_title),
            ("not_found_text", t.not_found_text),
            ("start_title", t.start_title),
            ("start_text", t.start_text),
            ("customer_number", t.customer_number),
            ("send_code", t.send_code),
            ("code_sent", t.code_sent),
            ("code_label", t.code_label),
            ("code_submit", t.code_submit),
            ("codes_off", t.codes_off),
            ("outbox_title", t.outbox_title),
            ("too_many_title", t.too_many_title),
            ("too_many_text", t.too_many_text),
            ("sign_in_with_code", t.sign_in_with_code),
            ("sign_in_again", t.sign_in_again),
            ("back_to_consents", t.back_to_consents),
            ("code_wrong_next", t.code_wrong_next),
            ("send_new_code", t.send_new_code),
            ("status_granted", t.status_granted),
            ("status_withdrawn", t.status_withdrawn),
            ("status_denied", t.status_denied),
            ("gpc_status", t.gpc_status),
            ("gpc_allowed_anyway", t.gpc_allowed_anyway),
            ("gpc_conflict_title", t.gpc_conflict_title),
            ("gpc_conflict_text", t.gpc_conflict_text),
            ("gpc_confirm", t.gpc_confirm),
            ("gpc_keep_off", t.gpc_keep_off),
            ("kind_restriction", t.kind_restriction),
            ("dsr_pending_verification", t.dsr_pending_verification),
            ("dsr_verified", t.dsr_verified),
            ("dsr_extended", t.dsr_extended),
            ("dsr_completed", t.dsr_completed),
            ("dsr_rejected", t.dsr_rejected),
            ("months", t.months),
            ("date_format", t.date_format),
            ("reasons_favourable", t.reasons_favourable),
            ("reasons_main", t.reasons_main),
            ("reasons_unnamed", t.reasons_unnamed),
            ("reasons_none", t.reasons_none),
            ("hint_below", t.hint_below),
            ("hint_above", t.hint_above),
            ("changes_would_differ", t.changes_would_differ),
            ("change_first", t.change_first),
            ("change_more", t.change_more),
            ("and_last", t.and_last),
        ]
    }

    /// The field names of [`Text`], read from this file's source.
    fn declared_fields() -> Vec<&'static str> {
        let source = include_str!("text.rs");
        let start = source.find("pub(crate) struct Text {").expect("the struct is in this file");
        source[start..]
            .lines()
            .skip(1)
            .take_while(|line| line.trim() != "}")
            .filter_map(|line| line.trim().strip_prefix("pub(crate) ")?.strip_suffix(": &'static str,"))
            .collect()
    }

    /// (language, field) pairs whose text is rightly the same word as in English.
    const SAME_AS_ENGLISH: &[(&str, &str)] = &[
        // Dutch says "Status" and "model" too.
        ("nl", "status"),
        ("nl", "decisions_model"),
        // Day, month and year in that order, as in English.
        ("fr", "date_format"),
        ("nl", "date_format"),
    ];

    #[test]
    fn sentences_lists_every_field() {
        let fields = declared_fields();
        assert!(!fields.is_empty(), "the fields of `Text` were not found in the source");
        assert_eq!(sentences(&EN).len(), fields.len(), "`sentences` must list every field of `Text`");
        let listed: Vec<_> = sentences(&EN).into_iter().map(|(name, _)| name).collect();
        assert_eq!(listed, fields);
    }

    #[test]
    fn every_language_has_every_sentence() {
        let english = sentences(&EN);
        for t in LANGUAGES {
            for (name, text) in sentences(t) {
                assert!(!text.trim().is_empty(), "{}: `{name}` is empty", t.lang);
            }
            if t.lang == EN.lang {
                continue;
            }
            for ((name, text), (_, en)) in sentences(t).into_iter().zip(&english) {
                if name == "lang" || SAME_AS_ENGLISH.contains(&(t.lang, name)) {
                    continue;
                }
                assert_ne!(text, *en, "{}: `{name}` is still English", t.lang);
            }
        }
        for (code, name) in SAME_AS_ENGLISH {
            let t = by_code(code).expect("a supported language");
            let same = sentences(t).into_iter().zip(&english).any(|((n, text), (_, en))| n == *name && text == *en);
            assert!(same, "{code}: `{name}` differs from English; take it off the list");
        }
    }

    #[test]
    fn fragments_keep_their_shape() {
        for t in LANGUAGES {
            // Labels end with a colon; a word or a name follows them.
            for label in [t.status, t.decisions_outcome, t.review_reason] {
                assert!(label.ends_with(':'), "{}: {label:?}", t.lang);
            }
            // A date, a name or a version follows these, so they end without punctuation.
            for lead in [
                t.notice_version,
                t.withdraw,
                t.allow,
                t.request_due,
                t.review_asked_on,
                t.review_answer_by,
                t.review_pending,
                t.review_done_on,
                t.review_changed,
            ] {
                assert!(lead.ends_with(|c: char| c.is_alphanumeric()), "{}: {lead:?}", t.lang);
            }
            // These continue a line, after a label, a semicolon or in brackets.
            for tail in [
                t.not_asked,
                t.status_granted,
                t.status_withdrawn,
                t.status_denied,
                t.gpc_status,
                t.gpc_allowed_anyway,
                t.review_answer_by,
                t.decisions_by_person,
                t.reasons_unnamed,
            ] {
                assert!(tail.starts_with(char::is_lowercase), "{}: {tail:?}", t.lang);
            }
        }
    }

    #[test]
    fn languages_are_found_by_code() {
        let codes: Vec<_> = LANGUAGES.iter().map(|t| t.lang).collect();
        assert_eq!(codes, ["en", "de", "fr", "es", "nl"]);
        for code in codes {
            assert_eq!(by_code(code).map(|t| t.lang), Some(code));
        }
        assert!(by_code("DE").is_none());
        assert!(by_code("de-AT").is_none());
        assert!(by_code("ja").is_none());
        assert!(by_code("").is_none());
    }

    fn lang(header: Option<&str>) -> &'static str {
        for_language(header).lang
    }

    #[test]
    fn the_browser_picks_the_language() {
        assert_eq!(lang(Some("de-AT,de;q=0.9,en;q=0.8")), "de");
        assert_eq!(lang(Some("en-US,en;q=0.9,fr;q=0.8")), "en");
        assert_eq!(lang(Some("fr;q=0.2, nl;q=0.7")), "nl");
        assert_eq!(lang(Some("ja, es;q=0.5")), "es");
        assert_eq!(lang(Some("ja")), "en");
        assert_eq!(lang(Some("*")), "en");
        assert_eq!(lang(Some("de;q=0")), "en");
        assert_eq!(lang(Some("DE")), "de");
        assert_eq!(lang(None), "en");
        assert_eq!(lang(Some("fr;q=abc, nl")), "nl");
        assert_eq!(lang(Some("")), "en");
        assert_eq!(lang(Some("es-419")), "es");
        assert_eq!(lang(Some("fr-CA;Q=0.5, nl-BE;q=0.5")), "fr");
        assert_eq!(lang(Some("nl;q=0.5, de;q=0.500")), "nl");
        assert_eq!(lang(Some("nl;q=0.501, de;q=0.5")), "nl");
        assert_eq!(lang(Some("de;q=1.000, fr")), "de");
        assert_eq!(lang(Some("fr;q=0.5, *;q=0.9")), "en");
    }

    #[test]
    fn a_header_without_a_supported_language_leaves_the_choice_open() {
        assert!(matched_language(None).is_none());
        assert!(matched_language(Some("ja, zh;q=0.8")).is_none());
        assert!(matched_language(Some("de;q=0")).is_none());
        assert_eq!(matched_language(Some("*")).map(|t| t.lang), Some("en"));
        assert_eq!(matched_language(Some("ja, nl;q=0.1")).map(|t| t.lang), Some("nl"));
        assert_eq!(for_tag("de-AT").map(|t| t.lang), Some("de"));
        assert_eq!(for_tag("FR").map(|t| t.lang), Some("fr"));
        assert!(for_tag("ja").is_none());
        assert!(for_tag("").is_none());
    }

    #[test]
    fn malformed_weights_skip_their_range() {
        for bad in ["1.5", "2", "0.1234", "-0.5", ".5", "", "1.001", "0,5", "0.5x"] {
            assert_eq!(lang(Some(format!("de;q={bad}, es;q=0.1").as_str())), "es", "q={bad}");
        }
        assert_eq!(lang(Some("de;q=0.5;q=0.9, es;q=0.1")), "es");
        assert_eq!(lang(Some("de;q=1., es;q=0.1")), "de");
        assert_eq!(lang(Some("de;q=0., es;q=0.1")), "es");
    }

    #[test]
    fn the_work_is_bounded() {
        let long = format!("de{}", " ".repeat(4998));
        assert_eq!(long.len(), 5000);
        assert_eq!(lang(Some(long.as_str())), "en");
        let just_fits = format!("de{}", " ".repeat(MAX_HEADER_LEN - 2));
        assert_eq!(lang(Some(just_fits.as_str())), "de");
        let late = format!("{}de", "ja,".repeat(MAX_RANGES));
        assert_eq!(lang(Some(late.as_str())), "en");
        let last = format!("{}de", "ja,".repeat(MAX_RANGES - 1));
        assert_eq!(lang(Some(last.as_str())), "de");
    }

    #[test]
    fn dates_and_templates_have_their_parts() {
        for t in LANGUAGES {
            let months: Vec<_> = t.months.split('|').collect();
            assert_eq!(months.len(), 12, "{}: twelve months", t.lang);
            assert!(months.iter().all(|m| !m.trim().is_empty() && m.trim() == *m), "{}: {months:?}", t.lang);
            for (name, template, parts) in [
                ("date_format", t.date_format, &["{d}", "{month}", "{y}"][..]),
                ("hint_below", t.hint_below, &["{feature}", "{value}"][..]),
                ("hint_above", t.hint_above, &["{feature}", "{value}"][..]),
                ("changes_would_differ", t.changes_would_differ, &["{changes}"][..]),
                ("change_first", t.change_first, &["{feature}", "{to}", "{from}"][..]),
                ("change_more", t.change_more, &["{feature}", "{to}", "{from}"][..]),
            ] {
                for part in parts {
                    assert!(template.contains(part), "{}: `{name}` lacks {part}", t.lang);
                }
            }
            assert!(t.and_last.starts_with(' ') && t.and_last.ends_with(' '), "{}: {:?}", t.lang, t.and_last);
        }
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z").expect("time").with_timezone(&chrono::Utc);
        let dates: Vec<_> = LANGUAGES.iter().map(|t| t.date(&at)).collect();
        assert_eq!(dates, ["4 December 2026", "4. Dezember 2026", "4 décembre 2026", "4 de diciembre de 2026", "4 december 2026"]);
    }

    #[test]
    fn every_data_category_has_a_name_in_every_language() {
        #[derive(serde::Deserialize)]
        struct Entry {
            fides_key: String,
            name: String,
        }
        let taxonomy: Vec<Entry> = serde_json::from_str(include_str!("../../custos-core/data/data_categories.json")).expect("taxonomy");
        assert!(taxonomy.len() > 80);
        assert_eq!(category_names().len(), taxonomy.len(), "one entry per category, no more");
        for e in &taxonomy {
            assert_eq!(EN.category(&e.fides_key), e.name);
            for t in &LANGUAGES[1..] {
                let name = category_names().get(&e.fides_key).and_then(|n| n.get(t.lang));
                let name = name.unwrap_or_else(|| panic!("{}: no name for {}", t.lang, e.fides_key));
                assert!(!name.trim().is_empty() && !name.contains('.') && !name.contains('_'), "{}: {name:?}", t.lang);
                assert_eq!(&t.category(&e.fides_key), name);
            }
        }
        assert_eq!(DE.category("not.a.category"), "not.a.category");
    }
}
