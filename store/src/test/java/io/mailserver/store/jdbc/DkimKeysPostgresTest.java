package io.mailserver.store.jdbc;

class DkimKeysPostgresTest extends DkimKeysContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
