//! Release reviews: submit the trial version, read its status and checks.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{Client, ClientError};

/// A review as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Review {
    /// The `auditid` of the WeChat API.
    pub id: i64,
    pub state: String,
    pub status: i64,
    pub user_version: String,
    pub user_desc: String,
    pub reason: Option<String>,
    #[serde(default)]
    pub screenshots: Vec<String>,
    pub submitted_at: i64,
    pub decided_at: Option<i64>,
    pub expedited_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubmittedReview {
    pub review: Review,
    pub fee_cents: Option<i64>,
    pub fee_currency: Option<String>,
}

/// One automated check's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewCheck {
    pub check: String,
    pub status: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewDetail {
    pub review: Review,
    #[serde(default)]
    pub checks: Vec<ReviewCheck>,
}

#[derive(Deserialize)]
struct ReviewList {
    reviews: Vec<Review>,
}

/// A page to show the reviewer: its path and a title.
#[derive(Debug, Clone)]
pub struct ReviewPage {
    pub address: String,
    pub title: String,
}

impl Client {
    /// Submits the trial version for release review.
    pub async fn submit_review(
        &self,
        appid: &str,
        version_desc: &str,
        pages: &[ReviewPage],
    ) -> Result<SubmittedReview, ClientError> {
        let items: Vec<Value> =
            pages.iter().map(|p| json!({ "address": p.address, "title": p.title })).collect();
        let body = json!({ "version_desc": version_desc, "items": items });
        self.call(Method::POST, &format!("/apps/{appid}/reviews"), Some(body)).await
    }

    /// The mini program's reviews, newest first.
    pub async fn reviews(&self, appid: &str) -> Result<Vec<Review>, ClientError> {
        Ok(self.call::<ReviewList>(Method::GET, &format!("/apps/{appid}/reviews"), None).await?.reviews)
    }

    /// One review with its checks.
    pub async fn review(&self, appid: &str, id: i64) -> Result<ReviewDetail, ClientError> {
        self.call(Method::GET, &format!("/apps/{appid}/reviews/{id}"), None).await
    }

    /// Withdraws the review in progress.
    pub async fn withdraw_review(&self, appid: &str) -> Result<Review, ClientError> {
        self.call(Method::POST, &format!("/apps/{appid}/reviews/withdraw"), None).await
    }
}
