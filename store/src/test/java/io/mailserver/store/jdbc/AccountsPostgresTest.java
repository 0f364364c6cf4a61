package io.mailserver.store.jdbc;

class AccountsPostgresTest extends AccountsContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
