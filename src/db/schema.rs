// One portable schema for both backends: only text, integers and booleans.

diesel::table! {
    vendors (id) {
        id -> Text,
        org_id -> Text,
        legal_name -> Text,
        display_name -> Nullable<Text>,
        domains -> Text,
        country -> Nullable<Text>,
        owner -> Nullable<Text>,
        status -> Text,
        tier -> Nullable<Text>,
        notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> Text,
        updated_at -> Text,
        reassessment_due -> Bool,
        reassessment_reason -> Nullable<Text>,
        contract_expired -> Bool,
        tags -> Text,
        external_ids -> Text,
    }
}

diesel::table! {
    vendor_tags (vendor_id, tag) {
        vendor_id -> Text,
        org_id -> Text,
        tag -> Text,
    }
}

diesel::table! {
    vendor_external_ids (vendor_id, source) {
        vendor_id -> Text,
        org_id -> Text,
        source -> Text,
        external_id -> Text,
    }
}

diesel::table! {
    vendor_contacts (id) {
        id -> Text,
        org_id -> Text,
        vendor_id -> Text,
        name -> Text,
        email -> Nullable<Text>,
        role -> Nullable<Text>,
        phone -> Nullable<Text>,
        is_primary -> Bool,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    vendor_subprocessors (vendor_id, subprocessor_id) {
        vendor_id -> Text,
        subprocessor_id -> Text,
        org_id -> Text,
        service_description -> Nullable<Text>,
        created_at -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        org_id -> Text,
        seq -> BigInt,
        occurred_at -> Text,
        actor -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        reason -> Nullable<Text>,
        request_id -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> Text,
        org_id -> Text,
        event_type -> Text,
        payload -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    idempotency_keys (org_id, scope, idempotency_key) {
        org_id -> Text,
        scope -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        response_status -> Integer,
        response_body -> Text,
        created_at -> Text,
    }
}

diesel::joinable!(vendor_tags -> vendors (vendor_id));
diesel::joinable!(vendor_external_ids -> vendors (vendor_id));
diesel::joinable!(vendor_contacts -> vendors (vendor_id));

diesel::allow_tables_to_appear_in_same_query!(
    vendors,
    vendor_tags,
    vendor_external_ids,
    vendor_contacts,
    vendor_subprocessors,
    audit_events,
    outbox_events,
    idempotency_keys,
);

diesel::table! {
    ai_services (id) {
        id -> Text,
        org_id -> Text,
        vendor_id -> Text,
        name -> Text,
        kind -> Text,
        model_name -> Nullable<Text>,
        model_version -> Nullable<Text>,
        endpoints -> Text,
        hosting_regions -> Text,
        data_categories -> Text,
        retention_days -> Nullable<Integer>,
        trains_on_customer_data -> Text,
        subprocessors_see_data -> Nullable<Bool>,
        eu_ai_act_role -> Nullable<Text>,
        eu_ai_act_risk_class -> Nullable<Text>,
        human_oversight -> Nullable<Text>,
        documentation -> Text,
        version -> BigInt,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    ai_service_changes (id) {
        id -> Text,
        org_id -> Text,
        ai_service_id -> Text,
        changed_at -> Text,
        actor -> Text,
        changes -> Text,
    }
}

diesel::table! {
    use_cases (id) {
        id -> Text,
        org_id -> Text,
        ai_service_id -> Text,
        purpose -> Text,
        business_owner -> Nullable<Text>,
        affected_people -> Text,
        decision_impact -> Text,
        autonomy -> Text,
        human_oversight -> Nullable<Text>,
        monthly_volume -> Nullable<BigInt>,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::joinable!(ai_services -> vendors (vendor_id));
diesel::joinable!(use_cases -> ai_services (ai_service_id));
diesel::allow_tables_to_appear_in_same_query!(ai_services, vendors, use_cases);

diesel::table! {
    frameworks (id) {
        id -> Text,
        org_id -> Nullable<Text>,
        name -> Text,
        description -> Text,
        position -> Integer,
    }
}

diesel::table! {
    controls (id) {
        id -> Text,
        org_id -> Nullable<Text>,
        framework_id -> Text,
        #[sql_name = "ref"]
        reference -> Text,
        group_ref -> Text,
        group_title -> Text,
        title -> Text,
        position -> Integer,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    catalog_revisions (org_id) {
        org_id -> Text,
        stamp -> Text,
    }
}

diesel::table! {
    control_links (id) {
        id -> Text,
        org_id -> Nullable<Text>,
        control_id -> Text,
        related_id -> Text,
    }
}

diesel::joinable!(controls -> frameworks (framework_id));
diesel::allow_tables_to_appear_in_same_query!(frameworks, controls, control_links);

diesel::table! {
    profile_controls (id) {
        id -> Text,
        org_id -> Nullable<Text>,
        tier -> Text,
        control_id -> Text,
        position -> Integer,
    }
}

diesel::allow_tables_to_appear_in_same_query!(profile_controls, controls);

diesel::table! {
    questionnaire_templates (id) {
        id -> Text,
        org_id -> Nullable<Text>,
        name -> Text,
        description -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    questionnaire_versions (id) {
        id -> Text,
        template_id -> Text,
        org_id -> Nullable<Text>,
        number -> Integer,
        status -> Text,
        content -> Text,
        question_count -> Integer,
        created_at -> Text,
        updated_at -> Text,
        published_at -> Nullable<Text>,
    }
}

diesel::joinable!(questionnaire_versions -> questionnaire_templates (template_id));
diesel::allow_tables_to_appear_in_same_query!(questionnaire_templates, questionnaire_versions);

diesel::table! {
    assessments (id) {
        id -> Text,
        org_id -> Text,
        vendor_id -> Text,
        ai_service_id -> Nullable<Text>,
        template_version_id -> Text,
        contact_id -> Nullable<Text>,
        status -> Text,
        due_date -> Nullable<Text>,
        score -> Nullable<Double>,
        scorecard -> Nullable<Text>,
        version -> BigInt,
        created_at -> Text,
        updated_at -> Text,
        sent_at -> Nullable<Text>,
        submitted_at -> Nullable<Text>,
        completed_at -> Nullable<Text>,
        overdue_notified_at -> Nullable<Text>,
    }
}

diesel::table! {
    assessment_answers (id) {
        id -> Text,
        org_id -> Text,
        assessment_id -> Text,
        question_key -> Text,
        value -> Text,
        not_applicable -> Bool,
        comment -> Nullable<Text>,
        verdict -> Nullable<Text>,
        review_comment -> Nullable<Text>,
        updated_at -> Text,
    }
}

diesel::table! {
    vendor_links (id) {
        id -> Text,
        org_id -> Text,
        assessment_id -> Text,
        expires_at -> Text,
        revoked_at -> Nullable<Text>,
        created_at -> Text,
        created_by -> Text,
    }
}

diesel::table! {
    evidence_files (id) {
        id -> Text,
        org_id -> Text,
        assessment_id -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    assessment_reminders (id) {
        id -> Text,
        org_id -> Text,
        assessment_id -> Text,
        channel -> Text,
        note -> Nullable<Text>,
        sent_at -> Text,
        recorded_by -> Text,
    }
}

diesel::table! {
    contracts (id) {
        id -> Text,
        org_id -> Text,
        vendor_id -> Text,
        title -> Text,
        contract_type -> Text,
        status -> Text,
        effective_date -> Text,
        end_date -> Nullable<Text>,
        auto_renewal -> Bool,
        renewal_term_months -> Nullable<Integer>,
        notice_period_days -> Nullable<Integer>,
        notice_date -> Nullable<Text>,
        governing_law -> Nullable<Text>,
        notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    contract_documents (id) {
        id -> Text,
        org_id -> Text,
        contract_id -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    contract_clauses (id) {
        id -> Text,
        org_id -> Text,
        contract_id -> Text,
        reference -> Text,
        summary -> Text,
        category -> Text,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    clause_mappings (id) {
        id -> Text,
        org_id -> Text,
        clause_id -> Text,
        control_id -> Text,
        coverage -> Text,
        verification -> Text,
        verified_by -> Nullable<Text>,
        verified_at -> Nullable<Text>,
        note -> Nullable<Text>,
        created_at -> Text,
    }
}

diesel::table! {
    control_responsibilities (vendor_id, control_id) {
        vendor_id -> Text,
        control_id -> Text,
        org_id -> Text,
        party -> Text,
        note -> Nullable<Text>,
        updated_by -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    contract_notices (contract_id, milestone, milestone_date, threshold_days) {
        contract_id -> Text,
        milestone -> Text,
        milestone_date -> Text,
        threshold_days -> Integer,
        raised_at -> Text,
    }
}

diesel::joinable!(contract_clauses -> contracts (contract_id));
diesel::joinable!(clause_mappings -> contract_clauses (clause_id));
diesel::allow_tables_to_appear_in_same_query!(
    contracts,
    contract_clauses,
    clause_mappings,
    contract_documents,
    contract_notices,
    vendors,
);

diesel::table! {
    risk_models (id) {
        id -> Text,
        org_id -> Text,
        version -> Integer,
        config -> Text,
        created_by -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    risk_scores (id) {
        id -> Text,
        org_id -> Text,
        vendor_id -> Text,
        model_version -> Integer,
        inherent -> Double,
        residual -> Double,
        tier -> Text,
        explanation -> Text,
        cause -> Text,
        computed_at -> Text,
    }
}

diesel::table! {
    vendor_risk (vendor_id) {
        vendor_id -> Text,
        org_id -> Text,
        score_id -> Text,
        inherent -> Double,
        residual -> Double,
        tier -> Text,
        model_version -> Integer,
        computed_at -> Text,
    }
}

diesel::joinable!(vendor_risk -> vendors (vendor_id));
diesel::allow_tables_to_appear_in_same_query!(vendor_risk, vendors, assessments, findings);
diesel::allow_tables_to_appear_in_same_query!(vendor_risk, risk_scores);

diesel::table! {
    findings (id) {
        id -> Text,
        org_id -> Text,
        vendor_id -> Text,
        control_id -> Nullable<Text>,
        source -> Text,
        auto_key -> Nullable<Text>,
        title -> Text,
        description -> Nullable<Text>,
        severity -> Text,
        owner -> Nullable<Text>,
        due_date -> Nullable<Text>,
        status -> Text,
        status_reason -> Nullable<Text>,
        risk_accepted_until -> Nullable<Text>,
        risk_accepted_by -> Nullable<Text>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Text,
        updated_at -> Text,
        resolved_at -> Nullable<Text>,
    }
}

diesel::table! {
    finding_comments (id) {
        id -> Text,
        org_id -> Text,
        finding_id -> Text,
        author -> Text,
        body -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        org_id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        event_types -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Text>,
        failing_since -> Nullable<Text>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Text>,
        version -> BigInt,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        org_id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        event_type -> Text,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Text,
        lease_until -> Nullable<Text>,
        last_status_code -> Nullable<BigInt>,
        replay_of -> Nullable<Text>,
        created_at -> Text,
        completed_at -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        attempt -> BigInt,
        attempted_at -> Text,
        status_code -> Nullable<BigInt>,
        latency_ms -> BigInt,
        response_snippet -> Nullable<Text>,
        error -> Nullable<Text>,
        succeeded -> Bool,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> outbox_events (event_id));
diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, webhook_endpoints, outbox_events);

diesel::table! {
    procurement_integrations (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        system -> Text,
        secret -> Text,
        template_id -> Nullable<Text>,
        send_assessment -> Bool,
        assessment_due_days -> BigInt,
        enabled -> Bool,
        version -> BigInt,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    procurement_requests (id) {
        id -> Text,
        org_id -> Text,
        integration_id -> Text,
        external_id -> Text,
        vendor_id -> Text,
        assessment_id -> Nullable<Text>,
        request -> Text,
        received_count -> BigInt,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    inbound_messages (integration_id, message_id) {
        integration_id -> Text,
        message_id -> Text,
        org_id -> Text,
        response_status -> BigInt,
        response_body -> Text,
        received_at -> Text,
    }
}

diesel::table! {
    ticketing_integrations (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        kind -> Text,
        base_url -> Text,
        username -> Text,
        credential -> Text,
        project_key -> Nullable<Text>,
        issue_type -> Nullable<Text>,
        table_name -> Nullable<Text>,
        field_mapping -> Text,
        auto_push_severity -> Nullable<Text>,
        inbound_secret -> Text,
        version -> BigInt,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    finding_tickets (finding_id) {
        finding_id -> Text,
        org_id -> Text,
        integration_id -> Text,
        status -> Text,
        ticket_key -> Nullable<Text>,
        ticket_url -> Nullable<Text>,
        attempts -> BigInt,
        last_error -> Nullable<Text>,
        next_attempt_at -> Text,
        lease_until -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::joinable!(procurement_requests -> procurement_integrations (integration_id));
diesel::allow_tables_to_appear_in_same_query!(procurement_requests, procurement_integrations);

diesel::table! {
    answer_entries (id) {
        id -> Text,
        org_id -> Text,
        question -> Text,
        alternatives -> Text,
        answer_short -> Text,
        answer_long -> Nullable<Text>,
        owner -> Nullable<Text>,
        tags -> Text,
        control_ids -> Text,
        evidence -> Text,
        status -> Text,
        review_by -> Nullable<Text>,
        version -> BigInt,
        created_by -> Text,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    answer_entry_versions (id) {
        id -> Text,
        org_id -> Text,
        entry_id -> Text,
        version -> BigInt,
        snapshot -> Text,
        replaced_by -> Text,
        replaced_at -> Text,
    }
}

diesel::table! {
    customer_questionnaires (id) {
        id -> Text,
        org_id -> Text,
        customer -> Text,
        title -> Text,
        source_format -> Text,
        layout -> Text,
        status -> Text,
        owner -> Nullable<Text>,
        due_date -> Nullable<Text>,
        question_count -> BigInt,
        version -> BigInt,
        created_by -> Text,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    customer_questions (id) {
        id -> Text,
        org_id -> Text,
        questionnaire_id -> Text,
        position -> BigInt,
        row_number -> Nullable<BigInt>,
        section -> Nullable<Text>,
        reference -> Nullable<Text>,
        text -> Text,
        cells -> Text,
        suggestions -> Text,
        needs_human -> Bool,
        answer -> Nullable<Text>,
        answer_source -> Nullable<Text>,
        entry_id -> Nullable<Text>,
        answered_by -> Nullable<Text>,
        answered_at -> Nullable<Text>,
    }
}

// Kept by triggers (migration 000014); the application only reads it.
diesel::table! {
    portfolio_counts (org_id, dimension, key, shard) {
        org_id -> Text,
        dimension -> Text,
        key -> Text,
        shard -> Integer,
        n -> BigInt,
    }
}
