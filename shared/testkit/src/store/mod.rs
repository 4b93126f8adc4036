//! The contract of [`Store`]: what every adapter must do, as checks that panic with the
//! broken rule, one module per port. Each check uses fresh workspaces, so checks can run
//! concurrently on one store.
//!
//! Each check's name states the rule it checks, so the checks carry no further docs.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

pub mod agents;
pub mod changes;
pub mod conversations;
pub mod customers;
pub mod records;
pub mod rollups;
pub mod tickets;
pub mod transcripts;

use std::sync::Arc;

use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{TicketId, WorkspaceId};
use turno_core::ports::{Store, StoreError};

use crate::builders::*;

fn ids(tickets: &[Ticket]) -> Vec<TicketId> {
    tickets.iter().map(|t| t.id.clone()).collect()
}

async fn stored(store: &dyn Store, t: &Ticket) -> Ticket {
    store
        .ticket(&t.workspace, &t.id)
        .await
        .expect("read ticket")
        .expect("the ticket is stored")
}

async fn save(store: &dyn Store, mut t: Ticket) -> Ticket {
    store.save_ticket(&mut t).await.expect("save ticket");
    t
}

async fn load_of(store: &dyn Store, ws: &WorkspaceId, id: &str) -> u32 {
    store
        .agent(ws, &agent_id(id))
        .await
        .expect("read agent")
        .expect("the agent exists")
        .load
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::Conflict)),
        "{what}: expected Conflict, got {result:?}"
    );
}

/// Every check of the store contract, port by port, one after another (the two concurrent
/// ones included).
pub async fn run_all(store: Arc<dyn Store>) {
    let s = &*store;

    conversations::conversation_write_with_a_stale_version_conflicts(s).await;
    conversations::commit_turn_writes_conversation_ticket_and_turn_together(s).await;
    conversations::commit_turn_with_a_stale_ticket_writes_nothing(s).await;
    conversations::commit_turn_with_a_stale_conversation_writes_nothing(s).await;
    conversations::commit_turn_for_a_processed_message_conflicts_and_writes_nothing(s).await;
    conversations::turn_progress_is_saved(s).await;
    conversations::commit_turn_writes_its_entries_with_the_turn_or_not_at_all(s).await;
    conversations::turn_progress_adds_each_entry_once_and_never_goes_back(s).await;
    conversations::conversations_and_turns_are_scoped_by_workspace(s).await;
    conversations::commit_turn_assigning_its_ticket_takes_a_unit_or_writes_nothing(s).await;
    conversations::turn_reads_bring_the_current_ticket_as_stored(s).await;

    transcripts::append_message_is_idempotent_by_workspace_and_message_id(s).await;
    transcripts::delivery_state_only_moves_forward(s).await;
    transcripts::failed_delivery_is_final_and_keeps_its_error(s).await;
    transcripts::delivery_status_recorded_before_its_message_shows_once_the_message_arrives(s)
        .await;
    transcripts::transcript_is_ordered_by_time_then_insertion_and_holds_only_its_ticket(s).await;

    tickets::new_ticket_is_stored_at_version_one_and_reads_back_unchanged(s).await;
    tickets::stale_ticket_write_conflicts_and_changes_nothing(s).await;
    tickets::tickets_are_scoped_by_workspace(s).await;
    tickets::list_tickets_honours_every_filter_most_recently_updated_first(s).await;
    tickets::views_page_through_each_matching_ticket_once_newest_first(s).await;
    tickets::name_search_finds_customers_by_the_start_of_their_name(s).await;
    tickets::status_counts_equal_a_recount_after_random_moves(s).await;
    tickets::tickets_created_page_through_the_range_oldest_first_each_once(s).await;
    tickets::queued_tickets_come_by_priority_then_longest_waiting(s).await;
    tickets::vip_tickets_go_ahead_within_their_priority(s).await;
    tickets::sla_due_tickets_are_listed_soonest_first_across_workspaces(s).await;
    tickets::assign_takes_one_unit_of_capacity_and_records_the_time(s).await;
    tickets::assign_at_capacity_fails_and_writes_nothing(s).await;
    tickets::assign_with_a_stale_ticket_conflicts_and_takes_no_capacity(s).await;
    tickets::transfer_gives_the_previous_agent_a_unit_back(s).await;
    tickets::transfer_to_a_full_agent_fails_and_keeps_the_previous_assignee(s).await;
    tickets::release_gives_capacity_back_and_load_never_goes_below_zero(s).await;

    agents::upserting_an_agent_profile_keeps_availability_load_and_last_assignment(s).await;
    agents::set_availability_reports_a_missing_agent(s).await;
    agents::agents_are_scoped_by_workspace(s).await;

    records::records_are_versioned_listed_by_kind_and_deleted(s).await;
    records::records_are_paged_most_recently_written_first(s).await;

    changes::changes_come_after_their_cursor_in_time_order_per_workspace(s).await;

    rollups::a_ticket_write_applies_its_rollup_deltas_and_a_stale_one_applies_none(s).await;
    rollups::rollups_add_up_and_are_read_by_day_range(s).await;

    customers::a_conversation_is_saved_alone_versioned_and_deleted_only_as_read(s).await;
    customers::customer_tickets_are_every_ticket_of_that_customer_oldest_first(s).await;
    customers::a_deleted_ticket_takes_its_transcript_deliveries_turns_and_count_with_it(s).await;

    tickets::concurrent_assigns_never_exceed_capacity(Arc::clone(&store)).await;
    tickets::concurrent_assigns_of_one_ticket_take_exactly_one_unit(store).await;
}
