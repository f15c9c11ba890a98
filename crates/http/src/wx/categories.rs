//! Categories (`wechat-api.md` §8.2 and §7.1 row 4): the catalogue, the mini program's
//! categories and their qualification documents. Category ids may arrive as numbers or
//! numeric strings.

use axum::extract::State;
use axum::Json;
use miniplat_core::accounts::SubjectType;
use miniplat_core::categories::{Category, CategoryId, CategoryRequest, Certificate};
use miniplat_core::wx::WxError;
use serde::Deserialize;
use serde_json::{json, Value};

use super::qrcode::number;
use super::{WxCaller, WxFailure, WxJson};
use crate::AppState;

/// Documents one category may carry on the wire.
const CERTIFICATES_LIMIT: usize = 10;

/// `GET /cgi-bin/wxopen/getallcategories`.
pub async fn get_all_categories(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let catalogue = state.platform.category_catalogue().await.map_err(|e| fail(e.into()))?;
    Ok(Json(categories_list(&catalogue.offered(None))))
}

#[derive(Deserialize)]
pub struct ByTypeRequest {
    verify_type: Option<Value>,
}

/// `POST /cgi-bin/wxopen/getcategoriesbytype`: the categories a subject type may take.
pub async fn get_categories_by_type(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<ByTypeRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let verify_type = match body.verify_type.as_ref().filter(|v| !v.is_null()) {
        None => 0,
        Some(value) => number(value).ok_or_else(|| fail(invalid("verify_type must be 0 to 4")))?,
    };
    let subject_type = match verify_type {
        0 => SubjectType::Individual,
        1 => SubjectType::Enterprise,
        2 => SubjectType::Government,
        3 => SubjectType::Media,
        4 => SubjectType::OtherOrganisation,
        _ => return Err(fail(invalid("verify_type must be 0 to 4"))),
    };
    let catalogue = state.platform.category_catalogue().await.map_err(|e| fail(e.into()))?;
    Ok(Json(categories_list(&catalogue.offered(Some(subject_type)))))
}

/// `{categories_list: {categories: [...]}}` with the root (id 0) first.
fn categories_list(offered: &[&Category]) -> Value {
    let children_of = |parent: CategoryId| -> Vec<i64> {
        offered.iter().filter(|c| c.parent == parent).map(|c| c.id.0).collect()
    };
    let root = json!({
        "id": 0, "name": "", "level": 0, "father": 0, "children": children_of(CategoryId::ROOT),
        "sensitive_type": 0, "qualify": { "exter_list": [], "remark": "" },
    });
    let nodes = offered.iter().map(|c| {
        let exter_list: Vec<Value> = c
            .qualifications
            .iter()
            .map(|name| json!({ "inner_list": [{ "name": name, "url": "" }] }))
            .collect();
        json!({
            "id": c.id.0,
            "name": c.name,
            "level": c.level,
            "father": c.parent.0,
            "children": children_of(c.id),
            "sensitive_type": i64::from(c.sensitive),
            "qualify": { "exter_list": exter_list, "remark": c.qualification_remark },
        })
    });
    let categories: Vec<Value> = std::iter::once(root).chain(nodes).collect();
    json!({ "errcode": 0, "errmsg": "ok", "categories_list": { "categories": categories } })
}

/// `GET /cgi-bin/wxopen/getcategory`.
pub async fn get_category(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let overview = state.platform.app_category_overview(caller.app).await.map_err(|e| fail(e.into()))?;
    let categories: Vec<Value> = overview
        .categories
        .iter()
        .map(|(a, first_name, second_name)| {
            json!({
                "first": a.first.0,
                "first_name": first_name,
                "second": a.second.0,
                "second_name": second_name,
                "audit_status": a.state.wire(),
                "audit_reason": a.reason.clone().unwrap_or_default(),
            })
        })
        .collect();
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "categories": categories,
        "limit": overview.limit,
        "quota": overview.quota,
        "category_limit": overview.category_limit,
    })))
}

/// `GET /wxa/get_category`: approved categories usable in `submit_audit`.
pub async fn get_usable_categories(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let approved = state.platform.approved_categories(caller.app).await.map_err(|e| fail(e.into()))?;
    let list: Vec<Value> = approved
        .iter()
        .filter(|a| !a.delisted)
        .map(|a| {
            json!({
                "first_class": a.first_name,
                "second_class": a.second_name,
                "first_id": a.first.0,
                "second_id": a.second.0,
            })
        })
        .collect();
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "category_list": list })))
}

/// One category of a request body: `{first, second, certicates?}`.
#[derive(Deserialize)]
pub struct CategoryBody {
    first: Option<Value>,
    second: Option<Value>,
    /// Spelled as WeChat spells it.
    certicates: Option<Vec<CertificateBody>>,
}

#[derive(Deserialize)]
pub struct CertificateBody {
    key: Option<String>,
    value: Option<String>,
}

impl CategoryBody {
    fn request(self) -> Result<CategoryRequest, WxError> {
        let id = |value: Option<Value>, name: &str| {
            value
                .as_ref()
                .and_then(number)
                .filter(|id| *id > 0)
                .map(CategoryId)
                .ok_or_else(|| invalid(&format!("{name} must be a category id")))
        };
        let first = id(self.first, "first")?;
        let second = id(self.second, "second")?;
        let certificates = self.certicates.unwrap_or_default();
        if certificates.len() > CERTIFICATES_LIMIT {
            return Err(invalid(&format!("at most {CERTIFICATES_LIMIT} certicates")));
        }
        let certificates = certificates
            .into_iter()
            .map(|c| match (c.key, c.value) {
                (Some(key), Some(value)) if !key.trim().is_empty() && !value.trim().is_empty() => {
                    Ok(Certificate { key: key.trim().to_owned(), value: value.trim().to_owned() })
                }
                _ => Err(invalid("each of certicates needs a key and a value")),
            })
            .collect::<Result<_, _>>()?;
        Ok(CategoryRequest { first, second, certificates })
    }
}

#[derive(Deserialize)]
pub struct AddRequest {
    categories: Option<Vec<CategoryBody>>,
}

/// `POST /cgi-bin/wxopen/addcategory`.
pub async fn add_category(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<AddRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let requests = body
        .categories
        .ok_or_else(|| fail(invalid("categories must be an array")))?
        .into_iter()
        .map(CategoryBody::request)
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    state.platform.add_app_categories(caller.app, requests).await.map_err(fail)?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}

/// `POST /cgi-bin/wxopen/deletecategory`.
pub async fn delete_category(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<CategoryBody>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let request = body.request().map_err(fail)?;
    state.platform.delete_app_category(caller.app, request.first, request.second).await.map_err(fail)?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}

/// `POST /cgi-bin/wxopen/modifycategory`.
pub async fn modify_category(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<CategoryBody>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let request = body.request().map_err(fail)?;
    state.platform.modify_app_category(caller.app, request).await.map_err(fail)?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}

fn invalid(detail: &str) -> WxError {
    WxError::category_invalid_params(detail)
}
