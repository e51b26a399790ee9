"""服务机构库 and 服务人才库. The foundation only needs the institution as a scope anchor (its id and
county); the registration file, approval workflow and talent registry come with the registry work."""
