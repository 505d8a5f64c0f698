// Every listener-level HTTP filter this gateway executes registers its compiler (imported once by
// compile.ts), in the order the translator emits them: peer authentication, jwt_authn, ext_authz, rbac.
import './peer-authn.ts';
import './jwt-authn.ts';
import './authz.ts';
