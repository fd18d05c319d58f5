//! Knowledge-base editing for admins and supervisors: articles, categories, search. The
//! agents' side is the search in the desktop (`/api/v1/kb/search`). Every edit is one of
//! the store's commands, so it lands in the audit log (`web:<user>`, entity `article` or
//! `kb_category`) like any configuration change.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::Body;
use crate::desk::Created;
use crate::i18n::Msg;
use crate::pages::run_command;
use crate::{Caller, WebError, WebState};
use store::Command;

/// An article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleDto {
    /// Row id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Category.
    pub category: String,
    /// Body text.
    pub body: String,
    /// Last change, µs since the epoch.
    pub updated_us: i64,
}

/// An article to write.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// Title, 1–200 characters.
    pub title: String,
    /// Category, 1–64 characters.
    pub category: String,
    /// Body, 1–200 000 characters.
    pub body: String,
}

impl ArticleInput {
    fn config(self, updated: store::Timestamp) -> store::desk::ArticleConfig {
        store::desk::ArticleConfig {
            title: self.title,
            category: self.category,
            body: self.body,
            updated,
        }
    }
}

/// Filter.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ArticleQuery {
    /// Only this category.
    pub category: Option<String>,
}

fn dto(a: store::desk::Article) -> ArticleDto {
    ArticleDto {
        id: a.id,
        title: a.title,
        category: a.category,
        body: a.body,
        updated_us: a.updated.0,
    }
}

/// List articles.
#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "kb", params(ArticleQuery),
    responses((status = 200, body = Vec<ArticleDto>)))]
pub async fn list(
    State(st): State<WebState>,
    Query(q): Query<ArticleQuery>,
) -> Result<Json<Vec<ArticleDto>>, WebError> {
    let v = st
        .db(move |s| s.articles(q.category.as_deref().filter(|c| !c.is_empty())))
        .await?;
    Ok(Json(v.into_iter().map(dto).collect()))
}

/// One article.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "kb",
    params(("id" = i64, Path, description = "Article id")),
    responses((status = 200, body = ArticleDto), (status = 404, body = WebError)))]
pub async fn get_one(
    State(st): State<WebState>,
    Path(id): Path<i64>,
) -> Result<Json<ArticleDto>, WebError> {
    st.db(move |s| s.article(id))
        .await?
        .map(|a| Json(dto(a)))
        .ok_or_else(|| WebError::new(StatusCode::NOT_FOUND, format!("no article {id}")))
}

/// Create an article.
#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "kb", request_body = ArticleInput,
    responses((status = 201, body = Created), (status = 422, body = WebError)))]
pub async fn create(
    State(st): State<WebState>,
    caller: Caller,
    Body(a): Body<ArticleInput>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    let cmd = Command::CreateArticle(a.config(st.now()));
    let id = run_command(&st, &caller, cmd).await?.id;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Replace an article.
#[utoipa::path(put, path = "/api/v1/kb/articles/{id}", tag = "kb", request_body = ArticleInput,
    params(("id" = i64, Path, description = "Article id")),
    responses((status = 200, body = Created), (status = 404, body = WebError), (status = 422, body = WebError)))]
pub async fn update(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(a): Body<ArticleInput>,
) -> Result<Json<Created>, WebError> {
    let config = a.config(st.now());
    run_command(&st, &caller, Command::UpdateArticle { id, config }).await?;
    Ok(Json(Created { id }))
}

/// Delete an article.
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}", tag = "kb",
    params(("id" = i64, Path, description = "Article id")),
    responses((status = 200, body = Created), (status = 404, body = WebError)))]
pub async fn delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Created>, WebError> {
    run_command(&st, &caller, Command::DeleteArticle { id }).await?;
    Ok(Json(Created { id }))
}

/// A category.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryDto {
    /// Name, 1–64 characters.
    pub name: String,
}

/// Every category (listed ones and those articles use).
#[utoipa::path(get, path = "/api/v1/kb/categories", tag = "kb",
    responses((status = 200, body = Vec<CategoryDto>)))]
pub async fn categories(State(st): State<WebState>) -> Result<Json<Vec<CategoryDto>>, WebError> {
    let v = st.db(|s| s.kb_categories()).await?;
    Ok(Json(
        v.into_iter().map(|name| CategoryDto { name }).collect(),
    ))
}

/// Add a category.
#[utoipa::path(post, path = "/api/v1/kb/categories", tag = "kb", request_body = CategoryDto,
    responses((status = 201, body = CategoryDto), (status = 422, body = WebError)))]
pub async fn category_create(
    State(st): State<WebState>,
    caller: Caller,
    Body(c): Body<CategoryDto>,
) -> Result<(StatusCode, Json<CategoryDto>), WebError> {
    let name = c.name.clone();
    run_command(&st, &caller, Command::CreateKbCategory { name }).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Remove a category (refused while an article uses it).
#[utoipa::path(delete, path = "/api/v1/kb/categories/{name}", tag = "kb",
    params(("name" = String, Path, description = "Category name")),
    responses((status = 200, body = CategoryDto), (status = 422, body = WebError)))]
pub async fn category_delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<CategoryDto>, WebError> {
    let n = name.clone();
    run_command(&st, &caller, Command::DeleteKbCategory { name: n }).await?;
    Ok(Json(CategoryDto { name }))
}

/// Page query.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageQuery {
    /// Only this category.
    pub category: Option<String>,
    /// Search words.
    pub q: Option<String>,
}

/// `GET /admin/kb`: articles by category, search, create/edit/delete, categories.
pub async fn page(
    State(st): State<WebState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let cat = q.category.clone().filter(|c| !c.is_empty());
    let words = q.q.clone().filter(|w| !w.trim().is_empty());
    let (articles, cats, hits) = st
        .db(move |s| {
            let hits = match &words {
                Some(w) => Some(s.search_kb(w, 50)?),
                None => None,
            };
            Ok((s.articles(cat.as_deref())?, s.kb_categories()?, hits))
        })
        .await?;
    let body = html! {
        form method="get" action="/admin/kb" {
            select name="category" {
                option value="" { (t(Msg::AllCategories)) }
                @for c in &cats { option value=(c) selected[q.category.as_deref() == Some(c)] { (c) } }
            }
            input name="q" placeholder=(t(Msg::Search)) value=(q.q.clone().unwrap_or_default());
            button type="submit" { (t(Msg::Search)) }
        }
        @if let Some(hits) = &hits {
            h2 { (t(Msg::SearchResults)) }
            ul id="kb-search-hits" { @for h in hits { li { strong { (h.title) } " (" (h.category) ") " (h.snippet) } } }
        }
        h2 { (t(Msg::Articles)) }
        table id="kb-articles" {
            thead { tr { th { (t(Msg::Title)) } th { (t(Msg::Category)) } th {} } }
            tbody {
                @for a in &articles {
                    tr {
                        td { (a.title) }
                        td { (a.category) }
                        td {
                            details {
                                summary { (t(Msg::Edit)) }
                                form data-api=(format!("/api/v1/kb/articles/{}", a.id)) data-method="PUT" {
                                    input name="title" value=(a.title) required;
                                    input name="category" value=(a.category) required;
                                    textarea name="body" rows="6" cols="60" required { (a.body) }
                                    button type="submit" { (t(Msg::Save)) }
                                    span data-result {}
                                }
                            }
                            form.inline data-api=(format!("/api/v1/kb/articles/{}", a.id)) data-method="DELETE" data-confirm=(t(Msg::Delete)) {
                                button type="submit" { (t(Msg::Delete)) }
                                span data-result {}
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(Msg::NewArticle)) }
        form id="kb-create" data-api="/api/v1/kb/articles" data-method="POST" {
            input name="title" placeholder=(t(Msg::Title)) required;
            input name="category" placeholder=(t(Msg::Category)) list="kb-cats" required;
            datalist id="kb-cats" { @for c in &cats { option value=(c) {} } }
            textarea name="body" rows="6" cols="60" required {}
            button type="submit" { (t(Msg::Create)) }
            span data-result {}
        }
        h2 { (t(Msg::Categories)) }
        ul { @for c in &cats { li { (c) } } }
        form id="kb-category-create" data-api="/api/v1/kb/categories" data-method="POST" {
            input name="name" placeholder=(t(Msg::Name)) required;
            button type="submit" { (t(Msg::Create)) }
            span data-result {}
        }
    };
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(&caller, Msg::KnowledgeBase, body).into_string(),
    )
        .into_response())
}
