//! The store contract on DynamoStore, against DynamoDB Local (started by ./infra/test.sh).

use turno_aws::testing as common;

use std::sync::Arc;

use turno_aws::DynamoStore;
use turno_core::ports::Store;

async fn store() -> Arc<dyn Store> {
    let clients = common::dynamodb_clients().await;
    let table = common::table(&clients.dynamodb).await;
    Arc::new(DynamoStore::new(clients.dynamodb, table))
}

turno_testkit::store_contract_tests!(store);
