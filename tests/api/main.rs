//! HTTP-level tests, one module per resource. Each test starts the app on port 0 with a
//! database of its own.

mod ai_bom;
mod ai_services;
mod answer_library;
mod assessments;
mod audit;
mod auth;
mod catalog;
mod cli;
mod contacts;
mod contracts;
mod customer_questionnaires;
mod evidence;
mod findings;
mod followup;
mod health;
mod helpers;
mod openapi;
mod procurement;
mod questionnaires;
mod receiver;
mod risk;
mod seed;
mod subprocessors;
mod ticketing;
mod vendors;
mod webhooks;
