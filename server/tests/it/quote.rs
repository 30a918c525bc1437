//! Quotes on leads: the catalogue an admin keeps, drafts with field-level errors, totals
//! stored as the domain computes them, and the statuses, each an event; a sent quote brings
//! its lead to Quoted, an accepted one sets its value.

use crate::both_backends;
use crate::support::TestDb;
use app::domain::activity::CloseOut;
use app::domain::quote::{LineInput, ProductInput, QuoteDraft, QuoteStatus, StatusChange};
use app::domain::{CloseReason, Money};
use app::error::AppError;
use app::ssr::service::{quotes, work};

fn fields(e: &AppError) -> Vec<String> {
    e.fields().iter().map(|f| f.field.clone()).collect()
}

fn line(product: Option<i64>, d: &str, q: &str, unit: &str, discount: &str) -> LineInput {
    LineInput {
        product_id: product,
        description: d.into(),
        quantity: q.into(),
        unit_price: unit.into(),
        discount: discount.into(),
    }
}

async fn status(
    state: &app::ssr::AppState,
    actor: &app::domain::Actor,
    id: i64,
    version: i64,
    to: QuoteStatus,
) -> Result<app::api::quotes::QuoteView, AppError> {
    quotes::set_status(state, actor, id, StatusChange { version, to }).await
}

both_backends!(a_quote_is_built_sent_and_accepted_and_the_lead_follows);
async fn a_quote_is_built_sent_and_accepted_and_the_lead_follows(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let dana = db.actor("dana").await;
    let luis = db.actor("luis").await;

    // The catalogue: admins keep it; SKUs are unique ignoring case; bad input names fields.
    let product = |sku: &str, price: &str| ProductInput {
        id: None,
        name: "Forklift FL-1".into(),
        sku: sku.into(),
        unit_price: price.into(),
        currency: "USD".into(),
        active: true,
    };
    let forklift = quotes::save_product(&state, &admin, product("FL-1", "12,500"))
        .await
        .unwrap();
    assert_eq!(forklift.unit.exact(), "$12,500.00");
    let e = quotes::save_product(&state, &admin, product("fl-1", "1"))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["sku"]);
    let e = quotes::save_product(&state, &admin, product("", "lots"))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["sku", "unit_price"]);
    assert!(matches!(
        quotes::save_product(&state, &dana, product("X-1", "1")).await,
        Err(AppError::Forbidden { .. })
    ));
    let mut retired = product("OLD-1", "10");
    retired.active = false;
    quotes::save_product(&state, &admin, retired).await.unwrap();
    let seen = quotes::products(&state, &dana, false).await.unwrap();
    assert!(seen.iter().any(|p| p.sku == "FL-1") && !seen.iter().any(|p| p.sku == "OLD-1"));
    let all = quotes::products(&state, &admin, true).await.unwrap();
    assert!(all.iter().any(|p| p.sku == "OLD-1" && !p.active));
    assert_eq!(all.len(), seen.len() + 1);
    assert!(matches!(
        quotes::products(&state, &dana, true).await,
        Err(AppError::Forbidden { .. })
    ));

    // A lead of Dana's that has not reached Quoted.
    let contacted = db.stage("contacted").await;
    let quoted = db.stage("quoted").await;
    let lead = db
        .find(|l, _| l.owner.as_ref().is_some_and(|o| o.id == dana.id.0) && l.stage_id == contacted)
        .await;
    // Another rep cannot see Dana's lead, nor so its quotes.
    assert!(matches!(
        quotes::create(&state, &luis, lead.id).await,
        Err(AppError::NotFound { .. })
    ));
    let id = quotes::create(&state, &dana, lead.id).await.unwrap();
    // "New quote" clicked again while the draft is still empty opens the same draft: no
    // second $0.00 quote, no second "Quote drafted" in the history.
    for _ in 0..3 {
        assert_eq!(quotes::create(&state, &dana, lead.id).await.unwrap(), id);
    }
    assert_eq!(
        quotes::of_lead(&state, &dana, lead.id).await.unwrap().len(),
        1
    );
    let drafted = work::lead_detail(&state, &dana, lead.id)
        .await
        .unwrap()
        .timeline
        .iter()
        .filter(|t| t.title.ends_with("drafted"))
        .count();
    assert_eq!(drafted, 1);
    let v = quotes::view(&state, &dana, id).await.unwrap();
    assert_eq!(v.quote.status, QuoteStatus::Draft);
    assert!(v.can_edit && v.quote.content.lines.is_empty());
    assert!(v.products.iter().any(|p| p.id == forklift.id));
    assert!(matches!(
        quotes::view(&state, &luis, id).await,
        Err(AppError::NotFound { .. })
    ));
    // Leadership reads it, and may not change it.
    let eleanor = db.actor("eleanor").await;
    assert!(!quotes::view(&state, &eleanor, id).await.unwrap().can_edit);
    assert!(matches!(
        status(&state, &eleanor, id, v.quote.version, QuoteStatus::Sent).await,
        Err(AppError::Forbidden { .. })
    ));
    // An empty draft cannot be sent.
    let e = status(&state, &dana, id, v.quote.version, QuoteStatus::Sent)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["lines"]);

    // A draft with bad fields names each and changes nothing.
    let mut draft = QuoteDraft {
        version: v.quote.version,
        currency: "USD".into(),
        lines: vec![line(
            Some(forklift.id),
            "Forklift FL-1",
            "two",
            "12500",
            "10",
        )],
        discount: "5".into(),
        tax: "108".into(),
        notes: "Delivery in 3 weeks".into(),
        valid_until: "2027-01-31".into(),
    };
    let e = quotes::save_draft(&state, &dana, id, draft.clone())
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["lines[0].quantity", "tax"]);
    assert_eq!(
        quotes::view(&state, &dana, id).await.unwrap().quote.version,
        v.quote.version
    );
    // A product that does not exist.
    draft.lines = vec![line(Some(999_999), "Ghost", "1", "1", "")];
    draft.tax = "8.875".into();
    let e = quotes::save_draft(&state, &dana, id, draft.clone())
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["lines[0].product_id"]);
    // A product priced in another currency is refused, not taken at its number.
    let pallet = quotes::save_product(
        &state,
        &admin,
        ProductInput {
            name: "Pallet jack".into(),
            currency: "EUR".into(),
            ..product("PJ-1", "900")
        },
    )
    .await
    .unwrap();
    draft.lines = vec![line(Some(pallet.id), "Pallet jack", "1", "900", "")];
    let e = quotes::save_draft(&state, &dana, id, draft.clone())
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["lines[0].product_id"]);
    assert!(e.fields()[0]
        .message
        .contains("priced in EUR, this quote in USD"));

    // 2 forklifts at 10 % off and a free-text line; 5 % overall, tax 8.875 %.
    draft.lines = vec![
        line(Some(forklift.id), "Forklift FL-1", "2", "12500", "10"),
        line(None, "Installation <b>on site</b>", "1", "850.50", ""),
    ];
    let saved = quotes::save_draft(&state, &dana, id, draft.clone())
        .await
        .unwrap();
    let t = saved.quote.content.totals();
    assert_eq!(
        (t.subtotal, t.discount, t.taxable, t.tax, t.total),
        (2_335_050, 116_753, 2_218_297, 196_874, 2_415_171)
    );
    assert_eq!(
        saved.quote.content.lines[1].description,
        "Installation <b>on site</b>"
    );
    assert_eq!(saved.quote.content.notes, "Delivery in 3 weeks");
    let e = quotes::save_draft(&state, &dana, id, draft)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["version"]);
    let listed = quotes::of_lead(&state, &dana, lead.id).await.unwrap();
    assert_eq!(listed[0].total.exact(), "$24,151.71");

    // Accepting a draft is refused; sending brings the lead to Quoted, in one move.
    let version = saved.quote.version;
    let e = status(&state, &dana, id, version, QuoteStatus::Accepted)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["status"]);
    let events_before = db.event_count().await;
    let sent = status(&state, &dana, id, version, QuoteStatus::Sent)
        .await
        .unwrap();
    assert_eq!(sent.quote.status, QuoteStatus::Sent);
    assert_eq!(
        db.event_count().await,
        events_before + 2,
        "quote.sent + lead.moved"
    );
    let after_send = db.lead(lead.id).await;
    assert_eq!(after_send.stage_id, quoted);
    let total = Money::new(2_415_171, sent.quote.content.currency);
    assert_eq!(after_send.value, Some(lead.value.unwrap_or(total)));
    // A sent quote is not edited.
    let e = quotes::save_draft(&state, &dana, id, sent.quote.draft())
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["status"]);

    // Accepted: the lead's value is the quote's total.
    let accepted = status(&state, &dana, id, sent.quote.version, QuoteStatus::Accepted)
        .await
        .unwrap();
    assert_eq!(accepted.quote.status, QuoteStatus::Accepted);
    assert!(accepted.quote.decided_at.is_some());
    let after_accept = db.lead(lead.id).await;
    assert_eq!(
        (after_accept.stage_id, after_accept.value),
        (quoted, Some(total))
    );
    let titles: Vec<String> = work::lead_detail(&state, &dana, lead.id)
        .await
        .unwrap()
        .timeline
        .into_iter()
        .map(|t| t.title)
        .collect();
    let number = accepted.quote.number();
    for expected in [
        format!("Quote {number} drafted"),
        format!("Quote {number} sent"),
        format!("Quote {number} accepted"),
    ] {
        assert!(titles.contains(&expected), "{expected} in {titles:?}");
    }

    // A second quote, rejected: the lead keeps the accepted value.
    let second = quotes::create(&state, &dana, lead.id).await.unwrap();
    let v2 = quotes::view(&state, &dana, second).await.unwrap();
    let s2 = quotes::save_draft(
        &state,
        &dana,
        second,
        QuoteDraft {
            version: v2.quote.version,
            currency: "USD".into(),
            lines: vec![line(None, "Pallet jack", "1", "900", "")],
            ..QuoteDraft::default()
        },
    )
    .await
    .unwrap();
    let s2 = status(&state, &dana, second, s2.quote.version, QuoteStatus::Sent)
        .await
        .unwrap();
    status(
        &state,
        &dana,
        second,
        s2.quote.version,
        QuoteStatus::Rejected,
    )
    .await
    .unwrap();
    assert_eq!(db.lead(lead.id).await.value, Some(total));
    let listed = quotes::of_lead(&state, &dana, lead.id).await.unwrap();
    let statuses: Vec<QuoteStatus> = listed.iter().map(|q| q.status).collect();
    assert_eq!(statuses, [QuoteStatus::Rejected, QuoteStatus::Accepted]);

    // A closed lead's quotes are read-only.
    let current = db.lead(lead.id).await;
    work::close_out(
        &state,
        &dana,
        lead.id,
        CloseOut::Lost {
            version: current.version,
            reason: Some(CloseReason::NoBudget),
            note: None,
        },
    )
    .await
    .unwrap();
    let e = quotes::create(&state, &dana, lead.id).await.unwrap_err();
    assert_eq!(fields(&e), ["status"]);
    assert!(!quotes::view(&state, &dana, id).await.unwrap().can_edit);
    db
}
