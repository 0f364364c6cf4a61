package io.mailserver.store.jdbc;

class DkimKeysH2Test extends DkimKeysContract {
    @Override
    Backend backend() {
        return Backend.H2;
    }
}
