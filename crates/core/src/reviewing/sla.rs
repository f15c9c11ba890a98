//! The review deadline (`review_sla_secs`): a periodic sweep marks open reviews past it as
//! delayed (status 4 on the wire) and pushes `weapp_audit_delay` (§7.4) in the same unit of
//! work, once per review. The decision still comes later.

use crate::audit::Actor;
use crate::error::Result;
use crate::push::PushEvent;
use crate::Platform;

use super::review_target;

/// Reviews marked per store round trip.
const BATCH: i64 = 100;

impl Platform {
    /// Marks every open review submitted more than `review_sla_secs` ago as delayed, once, and
    /// pushes `weapp_audit_delay` for each; returns how many were marked. Run periodically by
    /// each node; concurrent sweeps mark (and push) each review once.
    pub async fn mark_overdue_reviews(&self) -> Result<usize> {
        let sla = self.config.review_sla_secs.max(3600);
        let reason = format!(
            "The review is taking longer than the usual {} days; it will be completed as soon as possible.",
            (sla + 86_399) / 86_400
        );
        let mut marked = 0;
        loop {
            let now = self.clock.now();
            let overdue = self.store.overdue_reviews(now - sla, BATCH).await?;
            let before = marked;
            for (key, id) in &overdue {
                let Some(app) = self.store.app_by_key(*key).await? else { continue };
                let event =
                    PushEvent::new("weapp_audit_delay").int("DelayTime", now).text("Reason", reason.as_str());
                let push = self.push_job(&app, event).await?;
                if self
                    .store
                    .mark_review_delayed(*key, *id, now, &reason, push.as_ref().map(|p| &p.job))
                    .await?
                {
                    marked += 1;
                    self.audit(Actor::System, "review.delayed", &review_target(*id), app.appid.as_str())
                        .await?;
                }
            }
            // A full batch that marked nothing would come back unchanged: stop until next time.
            if (overdue.len() as i64) < BATCH || marked == before {
                return Ok(marked);
            }
        }
    }
}
