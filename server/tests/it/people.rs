//! Contact and company pages, and erasing a person's data on request, on both databases.

use crate::both_backends;
use crate::http::{inquire, Client};
use crate::support::TestDb;
use app::domain::LeadId;
use app::error::AppError;
use app::ssr::service;
use serde_json::json;

async fn scalar(db: &TestDb, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    n
}

both_backends!(a_person_and_a_company_have_pages_and_a_person_can_be_erased);
async fn a_person_and_a_company_have_pages_and_a_person_can_be_erased(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state();
    let secret = db.intake_key("Website").await;
    let client = Client::anonymous(&db);
    let first = inquire(
        &client,
        &secret,
        json!({"contact_name": "Grace Hopper", "email": "grace@cobol.example",
               "phone": "+1 212 555 0100", "company": "Cobol Systems",
               "message": "Grace here: pricing for 200 units?"}),
    )
    .await;
    inquire(
        &client,
        &secret,
        json!({"contact_name": "Grace Hopper", "email": "grace@cobol.example",
               "message": "Any news, Grace Hopper asking"}),
    )
    .await;
    inquire(
        &client,
        &secret,
        json!({"contact_name": "Alan Turing", "email": "alan@cobol.example",
               "company": "COBOL SYSTEMS LLC"}),
    )
    .await;
    let lead = db.lead(LeadId(first["lead_id"].as_i64().unwrap())).await;
    let tom = db.actor("tom").await; // manages Inside Sales, where the demo's rules send these
    let detail = service::work::lead_detail(&state, &tom, lead.id)
        .await
        .unwrap();
    let (contact, company) = (detail.contact_id.unwrap(), detail.company_id.unwrap());

    let page = service::people::contact(&state, &tom, contact)
        .await
        .unwrap();
    assert_eq!(page.name, "Grace Hopper");
    assert_eq!(
        page.contacts[0].company,
        Some((company, "Cobol Systems".to_string()))
    );
    assert_eq!(page.leads.len(), 1);
    let notes: Vec<&str> = page
        .activities
        .iter()
        .filter_map(|a| a.note.as_deref())
        .collect();
    assert_eq!(
        notes,
        [
            "Any news, Grace Hopper asking",
            "Grace here: pricing for 200 units?"
        ]
    );
    assert!(!page.can_erase);

    let page = service::people::company(&state, &tom, company)
        .await
        .unwrap();
    assert_eq!(page.name, "Cobol Systems");
    let names: Vec<&str> = page.contacts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Alan Turing", "Grace Hopper"]);
    assert_eq!(page.leads.len(), 2);

    // A rep of another team sees neither page; leadership sees both.
    let dana = db.actor("dana").await;
    assert!(matches!(
        service::people::contact(&state, &dana, contact).await,
        Err(AppError::NotFound { .. })
    ));
    assert!(matches!(
        service::people::company(&state, &dana, company).await,
        Err(AppError::NotFound { .. })
    ));
    let eleanor = db.actor("eleanor").await;
    assert!(service::people::contact(&state, &eleanor, contact)
        .await
        .is_ok());

    // Erasing: admins only; everything that said who she was goes, the counts stay.
    assert!(matches!(
        service::people::erase(&state, &tom, contact).await,
        Err(AppError::Forbidden { .. })
    ));
    // Her manager corrects her phone number: the edit's event holds both numbers.
    let current = db.lead(lead.id).await;
    let edit = app::domain::activity::LeadEdit {
        version: current.version,
        phone: Some("+1 212 555 0199".into()),
        ..app::domain::activity::LeadEdit::from_lead(&current)
    };
    service::work::edit_lead(&state, &tom, lead.id, edit)
        .await
        .unwrap();
    assert!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM events WHERE payload LIKE '%212 555 0199%'"
        )
        .await
            > 0
    );
    let leads_before = scalar(&db, "SELECT COUNT(*) FROM leads").await;
    let activities_before = scalar(&db, "SELECT COUNT(*) FROM activities").await;
    let events_before = scalar(&db, "SELECT COUNT(*) FROM events").await;
    assert!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM events WHERE lower(payload) LIKE '%grace%'"
        )
        .await
            > 0
            || scalar(
                &db,
                "SELECT COUNT(*) FROM activities WHERE lower(note) LIKE '%grace%'"
            )
            .await
                > 0
    );
    let admin = db.actor("admin").await;
    service::people::erase(&state, &admin, contact)
        .await
        .unwrap();
    let erased = db.lead(lead.id).await;
    assert_eq!(erased.contact_name, "Erased contact");
    assert_eq!((erased.email.clone(), erased.phone.clone()), (None, None));
    assert_eq!(
        erased.company.as_deref(),
        Some("Cobol Systems"),
        "a business is not a person"
    );
    assert_eq!(
        (erased.stage_id, erased.source_id),
        (lead.stage_id, lead.source_id)
    );
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM leads").await,
        leads_before
    );
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM activities").await,
        activities_before
    );
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM events").await,
        events_before + 1
    );
    // (Demo people may be called Grace; nobody else is a Hopper or writes from cobol.example.)
    for sql in [
        "SELECT COUNT(*) FROM events WHERE lower(payload) LIKE '%hopper%'".to_string(),
        "SELECT COUNT(*) FROM events WHERE payload LIKE '%grace@cobol%'".into(),
        "SELECT COUNT(*) FROM events WHERE payload LIKE '%212 555%'".into(),
        "SELECT COUNT(*) FROM activities WHERE lower(note) LIKE '%hopper%'".into(),
        "SELECT COUNT(*) FROM activities WHERE lower(note) LIKE '%grace here%'".into(),
        format!("SELECT COUNT(*) FROM contacts WHERE id = {contact} AND (name <> 'Erased contact' OR email IS NOT NULL OR phone IS NOT NULL)"),
        "SELECT COUNT(*) FROM contacts WHERE email_key LIKE 'grace@cobol%'".into(),
        "SELECT COUNT(*) FROM leads WHERE lower(contact_name) LIKE '%hopper%'".into(),
        "SELECT COUNT(*) FROM notifications WHERE lower(message) LIKE '%hopper%'".into(),
    ] {
        assert_eq!(scalar(&db, &sql).await, 0, "{sql}");
    }
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM events WHERE kind = 'contact.erased'"
        )
        .await,
        1
    );
    // The log stays append-only for everyone else.
    let mut tx = db.store.begin().await.unwrap();
    assert!(sqlx::query("UPDATE events SET payload = '{}' WHERE id = 1")
        .execute(&mut *tx)
        .await
        .is_err());
    drop(tx);
    let page = service::people::contact(&state, &admin, contact)
        .await
        .unwrap();
    assert!(page.contacts[0].erased_at.is_some());
    assert_eq!(page.contacts[0].email, None);
    // Erased, the person matches nobody: writing in again starts afresh.
    let again = inquire(
        &client,
        &secret,
        json!({"contact_name": "Grace Hopper", "email": "grace@cobol.example"}),
    )
    .await;
    assert_eq!(again["outcome"], "created");
    let detail =
        service::work::lead_detail(&state, &tom, LeadId(again["lead_id"].as_i64().unwrap()))
            .await
            .unwrap();
    assert_ne!(detail.contact_id, Some(contact));
    db
}
