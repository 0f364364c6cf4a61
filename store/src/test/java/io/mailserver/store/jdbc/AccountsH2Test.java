package io.mailserver.store.jdbc;

class AccountsH2Test extends AccountsContract {
    @Override
    Backend backend() {
        return Backend.H2;
    }
}
