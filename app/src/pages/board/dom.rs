//! The board's browser geometry: which column is under the pointer, a card's box, scrolling
//! near the edges, and focus moving between cards. Inert on the server.

use crate::domain::{LeadId, StageId};
use leptos::ev;
#[cfg(feature = "hydrate")]
use leptos::prelude::*;

/// Which way an arrow key moves focus between cards.
#[derive(Clone, Copy)]
pub enum Nav {
    Up,
    Down,
    Left,
    Right,
}

pub fn nav_direction(key: &str) -> Option<Nav> {
    match key {
        "ArrowUp" => Some(Nav::Up),
        "ArrowDown" => Some(Nav::Down),
        "ArrowLeft" => Some(Nav::Left),
        "ArrowRight" => Some(Nav::Right),
        _ => None,
    }
}

/// The stage column under a viewport point, if any.
pub fn stage_under(x: f64, y: f64) -> Option<StageId> {
    #[cfg(feature = "hydrate")]
    {
        let el = document().element_from_point(x as f32, y as f32)?;
        let col = el.closest("[data-stage-id]").ok()??;
        col.get_attribute("data-stage-id")?
            .parse()
            .ok()
            .map(StageId)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (x, y);
        None
    }
}

/// The viewport box (left, top, width) of the element an event was attached to.
pub fn element_box(e: &ev::PointerEvent) -> (f64, f64, f64) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = e
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let r = el.get_bounding_client_rect();
            return (r.left(), r.top(), r.width());
        }
    }
    (f64::from(e.client_x()), f64::from(e.client_y()), 240.0)
}

/// Scrolls the board when `x` is within reach of its left or right edge; returns the pixels
/// scrolled (faster the closer to the edge).
pub fn edge_scroll(board: &leptos::web_sys::HtmlDivElement, x: f64) -> f64 {
    #[cfg(feature = "hydrate")]
    {
        const EDGE: f64 = 72.0;
        const MAX_STEP: f64 = 20.0;
        let rect = board.get_bounding_client_rect();
        let step = if x > rect.right() - EDGE {
            ((x - (rect.right() - EDGE)) / EDGE).min(1.0) * MAX_STEP
        } else if x < rect.left() + EDGE {
            -((rect.left() + EDGE - x) / EDGE).min(1.0) * MAX_STEP
        } else {
            0.0
        };
        if step == 0.0 {
            return 0.0;
        }
        let before = board.scroll_left();
        board.set_scroll_left(before + step.round() as i32);
        f64::from(board.scroll_left() - before)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (board, x);
        0.0
    }
}

/// Focuses a card by lead id once the DOM has caught up with the last change.
pub fn focus_card(id: LeadId) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .query_selector(&format!("[data-lead-id='{}']", id.0))
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// Arrow-key navigation: up/down within a column, left/right to the nearest card of the next
/// column that has one.
pub fn move_focus(e: &ev::KeyboardEvent, dir: Nav) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(card) = e
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let target = match dir {
            Nav::Up => card.previous_element_sibling(),
            Nav::Down => card.next_element_sibling(),
            Nav::Left | Nav::Right => {
                let mut col = card.closest(".column").ok().flatten();
                let mut found = None;
                while let Some(c) = col {
                    col = match dir {
                        Nav::Left => c.previous_element_sibling(),
                        _ => c.next_element_sibling(),
                    };
                    if let Some(first) = col
                        .as_ref()
                        .and_then(|c| c.query_selector(".card").ok().flatten())
                    {
                        found = Some(first);
                        break;
                    }
                }
                found
            }
        };
        if let Some(t) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = t.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (e, dir);
}
