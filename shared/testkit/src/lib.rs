//! Test support shared by every adapter and test crate of turno.
//!
//! - [`store`] and [`queue`]: the port contract suites. Every implementation of a port (the
//!   embedded SQLite adapters, the AWS adapters against emulators) runs the same checks, so
//!   they cannot drift. [`store_contract_tests!`] and [`queue_contract_tests!`] turn a suite
//!   into one `#[tokio::test]` per behaviour in the calling crate (which needs `tokio` with
//!   the `macros` and `rt-multi-thread` features).
//! - [`dead_letters`]: the [`DeadLetters`](turno_core::ports::DeadLetters) contract suite,
//!   turned into tests by [`dead_letter_contract_tests!`].
//! - [`builders`] (re-exported here): small constructors of domain values for tests.
//! - [`races::LosingStore`]: a store that loses optimistic-concurrency races on demand.
//! - [`ManualClock`]: a clock tests move by hand, the only one.
//! - `harness` (feature `harness`): [`TestTurno`](harness::TestTurno), the use cases on the
//!   embedded adapters and a manual clock, driven one step at a time.
//!
//! The suites write into fresh, randomly named workspaces, so they can share one store (an
//! emulator) with other tests and with each other.

#![warn(missing_docs)]

pub mod builders;
mod clock;
pub mod dead_letters;
#[cfg(feature = "harness")]
pub mod harness;
pub mod queue;
pub mod races;
pub mod store;

pub use builders::*;
pub use clock::ManualClock;

/// Generates one `#[tokio::test]` per store contract behaviour, in one module per port
/// (`conversation_store`, `transcript_store`, `ticket_store`, `agent_store`, `record_store`,
/// `change_feed`, `rollup_store`, and `customer_move` for the calls a customer's change of number makes), so
/// a test's name says which port it checks.
///
/// `$make` is an async function (or a path to one) returning a fresh
/// `Arc<dyn turno_core::ports::Store>`; it is called once per test.
///
/// ```text
/// async fn store() -> Arc<dyn Store> { Arc::new(SqliteStore::new(Db::open_temporary().unwrap())) }
/// turno_testkit::store_contract_tests!(store);
/// ```
#[macro_export]
macro_rules! store_contract_tests {
    ($make:path) => {
        $crate::__store_contract_tests!($make; conversation_store => conversations [
            conversation_write_with_a_stale_version_conflicts,
            commit_turn_writes_conversation_ticket_and_turn_together,
            commit_turn_with_a_stale_ticket_writes_nothing,
            commit_turn_with_a_stale_conversation_writes_nothing,
            commit_turn_for_a_processed_message_conflicts_and_writes_nothing,
            turn_progress_is_saved,
            commit_turn_writes_its_entries_with_the_turn_or_not_at_all,
            turn_progress_adds_each_entry_once_and_never_goes_back,
            conversations_and_turns_are_scoped_by_workspace,
            commit_turn_assigning_its_ticket_takes_a_unit_or_writes_nothing,
            turn_reads_bring_the_current_ticket_as_stored,
        ]);
        $crate::__store_contract_tests!($make; transcript_store => transcripts [
            append_message_is_idempotent_by_workspace_and_message_id,
            delivery_state_only_moves_forward,
            failed_delivery_is_final_and_keeps_its_error,
            delivery_status_recorded_before_its_message_shows_once_the_message_arrives,
            transcript_is_ordered_by_time_then_insertion_and_holds_only_its_ticket,
        ]);
        $crate::__store_contract_tests!($make; ticket_store => tickets [
            new_ticket_is_stored_at_version_one_and_reads_back_unchanged,
            stale_ticket_write_conflicts_and_changes_nothing,
            tickets_are_scoped_by_workspace,
            list_tickets_honours_every_filter_most_recently_updated_first,
            queued_tickets_come_by_priority_then_longest_waiting,
            vip_tickets_go_ahead_within_their_priority,
            sla_due_tickets_are_listed_soonest_first_across_workspaces,
            assign_takes_one_unit_of_capacity_and_records_the_time,
            assign_at_capacity_fails_and_writes_nothing,
            assign_with_a_stale_ticket_conflicts_and_takes_no_capacity,
            transfer_gives_the_previous_agent_a_unit_back,
            transfer_to_a_full_agent_fails_and_keeps_the_previous_assignee,
            release_gives_capacity_back_and_load_never_goes_below_zero,
            views_page_through_each_matching_ticket_once_newest_first,
            name_search_finds_customers_by_the_start_of_their_name,
            status_counts_equal_a_recount_after_random_moves,
            tickets_created_page_through_the_range_oldest_first_each_once,
        ] concurrent [
            concurrent_assigns_never_exceed_capacity,
            concurrent_assigns_of_one_ticket_take_exactly_one_unit,
        ]);
        $crate::__store_contract_tests!($make; agent_store => agents [
            upserting_an_agent_profile_keeps_availability_load_and_last_assignment,
            set_availability_reports_a_missing_agent,
            agents_are_scoped_by_workspace,
        ]);
        $crate::__store_contract_tests!($make; record_store => records [
            records_are_versioned_listed_by_kind_and_deleted,
            records_are_paged_most_recently_written_first,
        ]);
        $crate::__store_contract_tests!($make; change_feed => changes [
            changes_come_after_their_cursor_in_time_order_per_workspace,
        ]);
        $crate::__store_contract_tests!($make; rollup_store => rollups [
            a_ticket_write_applies_its_rollup_deltas_and_a_stale_one_applies_none,
            rollups_add_up_and_are_read_by_day_range,
        ]);
        $crate::__store_contract_tests!($make; customer_move => customers [
            a_conversation_is_saved_alone_versioned_and_deleted_only_as_read,
            customer_tickets_are_every_ticket_of_that_customer_oldest_first,
            a_deleted_ticket_takes_its_transcript_deliveries_turns_and_count_with_it,
        ]);
    };
}

/// One port's module of [`store_contract_tests!`]: a test per check of
/// `turno_testkit::store::$suite`, those under `concurrent` on a multi-threaded runtime.
#[doc(hidden)]
#[macro_export]
macro_rules! __store_contract_tests {
    (
        $make:path; $port:ident => $suite:ident [$($name:ident),* $(,)?]
        $(concurrent [$($concurrent:ident),* $(,)?])?
    ) => {
        mod $port {
            // `$make` names a function of the calling module.
            #[allow(unused_imports)]
            use super::*;

            $(
                #[tokio::test]
                async fn $name() {
                    let store = $make().await;
                    $crate::store::$suite::$name(&*store).await;
                }
            )*
            $($(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $concurrent() {
                    $crate::store::$suite::$concurrent($make().await).await;
                }
            )*)?
        }
    };
}

/// Generates one `#[tokio::test]` per queue contract behaviour.
///
/// `$make` is an async function returning
/// `(Arc<dyn turno_core::ports::Queue>, Arc<dyn turno_testkit::queue::QueueProbe>)`.
#[macro_export]
macro_rules! queue_contract_tests {
    ($make:path) => {
        $crate::__queue_contract_tests!($make;
            every_queue_delivers_what_was_sent_to_it,
            fifo_groups_are_delivered_in_send_order,
            fifo_send_with_a_seen_dedupe_id_is_dropped,
            delayed_message_is_not_delivered_before_its_delay,
            empty_send_succeeds,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __queue_contract_tests {
    ($make:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (queue, probe) = $make().await;
                $crate::queue::$name(&*queue, &*probe).await;
            }
        )*
    };
}

/// Generates one `#[tokio::test]` per dead-letter contract behaviour.
///
/// `$make` is an async function returning fresh queues as
/// `(Arc<dyn turno_core::ports::DeadLetters>, Arc<dyn turno_testkit::dead_letters::DeadLetterProbe>)`.
#[macro_export]
macro_rules! dead_letter_contract_tests {
    ($make:path) => {
        $crate::__dead_letter_contract_tests!($make;
            listing_shows_dead_letters_with_their_group_and_consumes_nothing,
            listing_stops_at_the_limit,
            redrive_sends_dead_letters_back_in_order_and_only_of_that_queue,
            a_listing_just_made_does_not_hide_dead_letters_from_a_redrive,
            redrive_without_dead_letters_moves_nothing,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __dead_letter_contract_tests {
    ($make:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (dead, probe) = $make().await;
                $crate::dead_letters::$name(&*dead, &*probe).await;
            }
        )*
    };
}
