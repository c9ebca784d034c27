//! Names, places and firms the gazetteers do not hold, read from the words around them: one
//! sentence per rule, written for this test (none comes from either evaluation corpus), with
//! the look-alikes each rule must leave alone.

use custos_pii::{AnalyzeOptions, Analyzer};

/// The (type, text) pairs the analyzer reports for `text` with its defaults.
fn found(text: &str) -> Vec<(String, String)> {
    let a = Analyzer::default();
    a.analyze(text, &AnalyzeOptions::default()).into_iter().map(|f| (f.entity_type.to_string(), text[f.start..f.end].to_owned())).collect()
}

fn has(text: &str, entity: &str, value: &str) -> bool {
    found(text).iter().any(|(e, v)| e == entity && v == value)
}

#[test]
fn a_strong_cue_makes_a_person_of_a_surname_or_a_small_place() {
    // A reporting verb after a surname, at the start of a sentence or after an ordinary word.
    assert!(has("Okonkwo said the delivery was late.", "PERSON", "Okonkwo"), "{:?}", found("Okonkwo said the delivery was late."));
    assert!(has("Then Okonkwo said it was late.", "PERSON", "Okonkwo"));
    // Talking is done with people, even when a town somewhere has the name.
    assert!(has("I spoke with Ngozi yesterday.", "PERSON", "Ngozi"), "{:?}", found("I spoke with Ngozi yesterday."));
    // An imperative that addresses someone opens the sentence.
    assert!(has("Ask Mbeki about the invoice.", "PERSON", "Mbeki"));
    assert!(has("Meet Wiremu at the station.", "PERSON", "Wiremu"));
    // A label and a colon, or a role and `is`.
    assert!(has("Name: Tuomas Lehtinen", "PERSON", "Tuomas Lehtinen"));
    assert!(has("Cc: Nguyễn Thị Hoa", "PERSON", "Nguyễn Thị Hoa"));
    assert!(has("The account holder is Thandiwe Mokoena.", "PERSON", "Thandiwe Mokoena"));
    // A surname that is also a street type after a first name; greetings before a name that is
    // also a street word; chat speakers after a timestamp or with a role; a lead word written
    // capitalized in the run; `it's`; someone addressed at a sentence's end or start.
    assert!(has("I saw Mark Daniels and Terri Ford.", "PERSON", "Terri Ford"), "{:?}", found("I saw Mark Daniels and Terri Ford."));
    assert!(has("Patient Janice Green missed her appointment.", "PERSON", "Janice Green"));
    assert!(has("Hey Dale, how are you?", "PERSON", "Dale"));
    assert!(has("Scott: did u get my msg?", "PERSON", "Scott"));
    assert!(has("Donald (agent): I see a delivery attempt.", "PERSON", "Donald"));
    assert!(has("[04:00] Catherine: the invoice still shows the old address", "PERSON", "Catherine"));
    assert!(has("IBAN on file (Kontoinhaber Traugott Kusch).", "PERSON", "Traugott Kusch"));
    assert!(has("It's Alan again, still waiting on the refund.", "PERSON", "Alan"));
    assert!(has("Thanks for your purchase of wireless earbuds, Lindsay. Rate us!", "PERSON", "Lindsay"));
    assert!(has("Gordon, we miss you!", "PERSON", "Gordon"));
    assert!(has("Support rep Frederick was great though.", "PERSON", "Frederick"));
    // Still streets and places.
    assert!(has("Flat 2, 14 Kestrel Dale, Harrogate", "LOCATION", "Harrogate"));
    assert!(!has("Flat 2, 14 Kestrel Dale, Harrogate", "PERSON", "Kestrel Dale"));
    assert!(!found("We drove through Green Park.").iter().any(|(e, _)| e == "PERSON"));
    // People joined by `and` to a person, or to oneself; a closing word before a signature.
    assert!(has("Both Eero and Saija are out.", "PERSON", "Saija"));
    assert!(has("Ngaire and I will attend.", "PERSON", "Ngaire"));
    assert!(has("Yours, Piripi", "PERSON", "Piripi"));
    assert!(!found("Sales and Marketing will attend.").iter().any(|(e, _)| e == "PERSON"));
    // The addressee of an address block: a line of its own above a street line.
    let block = "Please send it to:\nAroha Ngata\n14 Kowhai Street\nPukekohe 2120\nNew Zealand";
    assert!(has(block, "PERSON", "Aroha Ngata"), "{:?}", found(block));
    // Not a heading above a paragraph.
    assert!(!has("Quarterly Update\nSales grew in all regions.", "PERSON", "Quarterly Update"));
}

#[test]
fn the_sentence_makes_a_place_plain() {
    // A motion word before `from`/`to` leads to a place, not a person.
    assert!(has("I moved from Wagga Wagga last year.", "LOCATION", "Wagga Wagga"), "{:?}", found("I moved from Wagga Wagga last year."));
    // A town before a country, at the start of a text too.
    assert!(has("Kuopio, Finland", "LOCATION", "Kuopio"));
    // Postcodes as Poland and Sweden write them, before the town.
    assert!(has("ul. Lipowa 8, 20-020 Lublin", "LOCATION", "Lublin"));
    assert!(has("Storgatan 4, 411 38 Göteborg", "LOCATION", "Göteborg"));
    // A list of places after `between` is not a firm; a place cue beats a reporting verb.
    assert!(has("I grew up between Ennis and Limerick.", "LOCATION", "Ennis"));
    assert!(!found("I grew up between Ennis and Limerick.").iter().any(|(e, _)| e == "ORGANIZATION"));
    assert!(has("Our customer in Kristiansand complained.", "LOCATION", "Kristiansand"));
    // A sentence that says so, a `-based` compound, a kind of site after `at`, a motion word
    // before `up to`.
    assert!(has("Brindlemoor is a lovely village.", "LOCATION", "Brindlemoor"));
    assert!(has("Tarnów is a small city in the south.", "LOCATION", "Tarnów"));
    assert!(has("She's a Bendigo-based designer.", "LOCATION", "Bendigo"));
    assert!(has("Meet me at Kelverton airport.", "LOCATION", "Kelverton"));
    assert!(has("We're heading up to Kerikeri for Easter.", "LOCATION", "Kerikeri"));
    assert!(!found("We're heading up to Kerikeri for Easter.").iter().any(|(e, _)| e == "PERSON"));
    // Postcodes of the Netherlands and Portugal; a street named after its prefix word.
    assert!(has("Delivery: Keizersgracht 221, 1016 DV Amsterdam", "LOCATION", "Amsterdam"));
    assert!(has("Send the card to Rua Augusta 120, 1100-053 Lisboa.", "LOCATION", "Lisboa"));
    assert!(!has("Send the card to Rua Augusta 120, 1100-053 Lisboa.", "LOCATION", "Augusta"));
    // A month is never a place, whatever town shares its name.
    assert!(!has("Tickets to Reykjavík are cheap in March.", "LOCATION", "March"));
}

#[test]
fn ordinary_capitalized_words_stay_unread() {
    for text in [
        "Then Payroll sent the file.",
        "Please update the Payroll spreadsheet.",
        "The Firewall blocked the request.",
        "Ask Support about the invoice.",
        "Reminder: Quarterly Review on file.",
        "Meet the Team at the station.",
    ] {
        let f = found(text);
        assert!(f.iter().all(|(e, _)| e != "PERSON" && e != "LOCATION" && e != "ORGANIZATION"), "{text}: {f:?}");
    }
}

#[test]
fn job_titles_and_departments_are_not_firms() {
    for text in [
        "The Head of Logistics approved it.",
        "Customer Service will reply soon.",
        "Our Sales Manager is away.",
        "This is a valid International Bank Account Number: IL150120690000003111111 .",
    ] {
        let f = found(text);
        assert!(f.iter().all(|(e, _)| e != "ORGANIZATION"), "{text}: {f:?}");
    }
    // Firms after a word of employment or custom, and legal forms of many countries, written in
    // lower case, with a slash, or two in a row.
    assert!(has("She works at Brightwater as a designer.", "ORGANIZATION", "Brightwater"));
    assert!(has("I used to work for Quintessa before joining you.", "ORGANIZATION", "Quintessa"));
    assert!(has("My account at Nordbank was frozen.", "ORGANIZATION", "Nordbank"));
    assert!(has("The supplier is Kowalski sp. z o.o. in our records.", "ORGANIZATION", "Kowalski sp. z o.o."));
    assert!(has("Contract signed with Dvořák s.r.o. today.", "ORGANIZATION", "Dvořák s.r.o."));
    assert!(has("We hired Smith Pty Ltd for the job.", "ORGANIZATION", "Smith Pty Ltd"));
    assert!(has("Transfer from Cobalt Savings Bank received.", "ORGANIZATION", "Cobalt Savings Bank"));
    // (`Nagy és Társa Kft.`: the Hungarian `és` in the partners' list was tried and left out;
    // three more joiners in the combined automaton cost 8% of the analyzer's throughput.)
    assert!(has("We invoiced Nagy és Társa Kft. yesterday.", "ORGANIZATION", "Társa Kft"));
    // Work with a person is still a person; a place after work words is still a place.
    assert!(has("I worked with Priya Raman on it.", "PERSON", "Priya Raman"), "{:?}", found("I worked with Priya Raman on it."));
    assert!(has("I worked with Wiremu Tane on it.", "PERSON", "Wiremu Tane"), "{:?}", found("I worked with Wiremu Tane on it."));
    assert!(has("She works in Tampere now.", "LOCATION", "Tampere"));
    // A firm with a legal form or an organization kind still is one.
    assert!(has("The team at Nordvik Logistics AS is ready.", "ORGANIZATION", "Nordvik Logistics AS"));
    assert!(has("Thanks to everyone at Kestrel Labs.", "ORGANIZATION", "Kestrel Labs"));
}

#[test]
fn questions_thanks_and_addressees_name_people() {
    // The subject of a question an auxiliary opens, before a verb in lower case.
    assert!(
        has("Can Aigerim Bekova reset her password?", "PERSON", "Aigerim Bekova"),
        "{:?}",
        found("Can Aigerim Bekova reset her password?")
    );
    assert!(has("Did Anahera Parata sign it?", "PERSON", "Anahera Parata"));
    assert!(has("Is Mbali Dlamini on the call?", "PERSON", "Mbali Dlamini"));
    assert!(has("When will Tavake arrive?", "PERSON", "Tavake"), "{:?}", found("When will Tavake arrive?"));
    // Not a statement, not a place the lists know, not ordinary words.
    assert!(
        !found("Is Kelverton Park open on Sundays?").iter().any(|(e, _)| e == "PERSON"),
        "{:?}",
        found("Is Kelverton Park open on Sundays?")
    );
    assert!(!found("Can Support reset my password?").iter().any(|(e, _)| e == "PERSON"));
    assert!(!found("Did London see rain today?").iter().any(|(e, _)| e == "PERSON"));
    assert!(has("Is the Oamaru branch open on Sundays?", "LOCATION", "Oamaru"), "{:?}", found("Is the Oamaru branch open on Sundays?"));
    // Small businesses by their kind; a bank one banks with.
    assert!(has("Thanks to everyone at Harbourside Dental!", "ORGANIZATION", "Harbourside Dental"));
    assert!(has("I bank with Kiwibank.", "ORGANIZATION", "Kiwibank"), "{:?}", found("I bank with Kiwibank."));
    // Someone thanked by name.
    assert!(has("Thank you Pania, the issue is resolved.", "PERSON", "Pania"), "{:?}", found("Thank you Pania, the issue is resolved."));
    assert!(has("Thanks Tavake!", "PERSON", "Tavake"));
    assert!(!found("Thanks Team!").iter().any(|(e, _)| e == "PERSON"));
    // The addressee right before a street line, even after a word of motion.
    let shipped = "Shipped to Rangi Parata, 14 Kowhai Street, Rotorua 3010";
    assert!(has(shipped, "PERSON", "Rangi Parata"), "{:?}", found(shipped));
    assert!(!has(shipped, "LOCATION", "Rangi Parata"));
    assert!(has("She moved to Tauranga in 2019.", "LOCATION", "Tauranga"));
}

#[test]
fn unknown_names_inside_a_sentence_lists_and_households() {
    // Two words no list knows, inside a sentence (a first word some list knows only as a small
    // place still opens a name).
    assert!(
        has("I sent it to Haukur Honkanen yesterday.", "PERSON", "Haukur Honkanen"),
        "{:?}",
        found("I sent it to Haukur Honkanen yesterday.")
    );
    assert!(has("Send it c/o Haukur Sigurðsson, Laugavegur 12, 101 Reykjavík.", "PERSON", "Haukur Sigurðsson"));
    assert!(has("We met with the Okafor family on Saturday.", "PERSON", "Okafor"));
    assert!(has("Booked for Erdene Batbayar today.", "PERSON", "Erdene Batbayar"), "{:?}", found("Booked for Erdene Batbayar today."));
    // An addressee line whose surname is also a people's name.
    let block = "Nomvula Zulu\n22 Jacaranda Avenue\nPietermaritzburg 3201\nSouth Africa";
    assert!(has(block, "PERSON", "Nomvula Zulu"), "{:?}", found(block));
    assert!(has("The Zulu kingdom had a long history.", "NRP", "Zulu"), "{:?}", found("The Zulu kingdom had a long history."));
    // A name introduced in lower case, as chat writes it; ordinary words after the same words.
    assert!(has("hi there, my name is ngozi okafor and i need help", "PERSON", "ngozi okafor"));
    assert!(has("my name is mary and i lost my card", "PERSON", "mary"));
    assert!(!found("my name is not important").iter().any(|(e, _)| e == "PERSON"));
    // After a name label, a surname that is also a street type is a surname.
    assert!(has("Guest name: Sun-hee Park", "PERSON", "Sun-hee Park"), "{:?}", found("Guest name: Sun-hee Park"));
    // The lines below an address block's street line are its locality and town.
    let block = "Ship to:\nTemuera Morrison\nFlat 2, 45 Ponsonby Road\nGrey Lynn\nAuckland 1021\nNew Zealand";
    assert!(has(block, "LOCATION", "Grey Lynn") && !has(block, "PERSON", "Grey Lynn"), "{:?}", found(block));
    let block = "Mrs. Ebere Nwosu\n17 Adeola Odeku Street\nVictoria Island\nLagos";
    assert!(has(block, "LOCATION", "Victoria Island") && has(block, "LOCATION", "Lagos"), "{:?}", found(block));
    assert!(has(block, "PERSON", "Ebere Nwosu"));
    // A role or a relation before a name, even one a list knows as a surname.
    assert!(has("Nurse Palesa checked her vitals.", "PERSON", "Palesa"), "{:?}", found("Nurse Palesa checked her vitals."));
    assert!(has("Driver Tomasi will collect you at 9.", "PERSON", "Tomasi"));
    assert!(has("Our stylist Tavita will call you.", "PERSON", "Tavita"));
    assert!(has("Shoutout to Thandeka for the quick fix!", "PERSON", "Thandeka"));
    // A role written capitalized inside a sentence names a feature (`Guest WiFi`).
    assert!(
        !found("Connect to the Guest Wifinet network.").iter().any(|(e, _)| e == "PERSON"),
        "{:?}",
        found("Connect to the Guest Wifinet network.")
    );
    // Initials before a surname.
    assert!(has("Approved by J. Mwangi (Finance)", "PERSON", "J. Mwangi"), "{:?}", found("Approved by J. Mwangi (Finance)"));
    assert!(has("Signed A. K. Osei", "PERSON", "A. K. Osei"));
    assert!(!found("See Section A. The rules apply.").iter().any(|(e, _)| e == "PERSON"));
    // A list of people keeps its last person's surname.
    assert!(
        has("Priya and Arjun Raghunathan will attend.", "PERSON", "Arjun Raghunathan"),
        "{:?}",
        found("Priya and Arjun Raghunathan will attend.")
    );
    // A German noun of place opens a run: the place follows, the noun is no part of it.
    assert!(
        has("Eintritt am 4.3.2022, Standort Pritzwalk.", "LOCATION", "Pritzwalk"),
        "{:?}",
        found("Eintritt am 4.3.2022, Standort Pritzwalk.")
    );
    // Look-alikes: products, features, ordinary words, places.
    for text in ["We upgraded to Zorbex Pro yesterday.", "The Galaxy Fold is back in stock.", "I flew to Kelverton Park on Monday."] {
        assert!(!found(text).iter().any(|(e, _)| e == "PERSON"), "{text}: {:?}", found(text));
    }
}

#[test]
fn firms_named_by_what_one_buys_from_them_and_their_things() {
    assert!(has("Our rep from Fonterra visited.", "ORGANIZATION", "Fonterra"), "{:?}", found("Our rep from Fonterra visited."));
    assert!(has("Spark's billing is a mess.", "ORGANIZATION", "Spark"), "{:?}", found("Spark's billing is a mess."));
    assert!(has("I closed my Kelvaro account today.", "ORGANIZATION", "Kelvaro"), "{:?}", found("I closed my Kelvaro account today."));
    // People and places keep theirs: a person's account, a parcel from someone, a town's store.
    assert!(has("Sarah's account was locked.", "PERSON", "Sarah"));
    assert!(!has("A parcel from Okonkwo arrived.", "ORGANIZATION", "Okonkwo"));
    assert!(has("Our Auckland store is closed.", "LOCATION", "Auckland"));
}
