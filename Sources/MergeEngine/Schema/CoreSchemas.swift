import YAMLModel

/// Merge metadata of the built-in Kubernetes kinds a stack uses, as the `patchStrategy` and
/// `patchMergeKey` struct tags of k8s.io/api declare it. Lists not named here are atomic.
public enum CoreSchemas {
    public static let objectMeta: MergeType = {
        let t = MergeType("ObjectMeta")
        t.set("finalizers", .primitiveSet)
        t.set("ownerReferences", .keyed("uid"))
        t.set("labels", MergeField())
        t.set("annotations", MergeField())
        return t
    }()

    public static let container: MergeType = {
        let t = MergeType("Container")
        t.set("ports", .keyed("containerPort"))
        t.set("env", .keyed("name"))
        t.set("volumeMounts", .keyed("mountPath"))
        t.set("volumeDevices", .keyed("devicePath"))
        return t
    }()

    public static let podSpec: MergeType = {
        let t = MergeType("PodSpec")
        t.set("containers", .keyed("name", container))
        t.set("initContainers", .keyed("name", container))
        t.set("ephemeralContainers", .keyed("name", container))
        t.set("volumes", .keyed("name"))
        t.set("imagePullSecrets", .keyed("name"))
        t.set("hostAliases", .keyed("ip"))
        t.set("topologySpreadConstraints", .keyed("topologyKey"))
        t.set("resourceClaims", .keyed("name"))
        t.set("schedulingGates", .keyed("name"))
        return t
    }()

    public static let podTemplateSpec = objectWithSpec("PodTemplateSpec", spec: podSpec)

    public static let persistentVolumeClaimSpec = MergeType("PersistentVolumeClaimSpec")

    public static let persistentVolumeClaim = objectWithSpec("PersistentVolumeClaim", spec: persistentVolumeClaimSpec)

    public static let serviceSpec: MergeType = {
        let t = MergeType("ServiceSpec")
        t.set("ports", .keyed("port"))
        return t
    }()

    /// A type with `metadata` (ObjectMeta) and a `spec` of the given type.
    public static func objectWithSpec(_ name: String, spec: MergeType) -> MergeType {
        let t = MergeType(name)
        t.set("metadata", .object(objectMeta))
        t.set("spec", .object(spec))
        return t
    }

    static func specWithTemplate(_ name: String) -> MergeType {
        let spec = MergeType(name)
        spec.set("template", .object(podTemplateSpec))
        return spec
    }

    public static let jobSpec = specWithTemplate("JobSpec")

    /// Root types by `group/Kind` (the core group is empty).
    public static let kinds: [String: MergeType] = {
        var kinds: [String: MergeType] = [:]
        let pod = objectWithSpec("Pod", spec: podSpec)
        let deployment = objectWithSpec("Deployment", spec: specWithTemplate("DeploymentSpec"))
        let replicaSet = objectWithSpec("ReplicaSet", spec: specWithTemplate("ReplicaSetSpec"))
        let daemonSet = objectWithSpec("DaemonSet", spec: specWithTemplate("DaemonSetSpec"))
        let statefulSetSpec = specWithTemplate("StatefulSetSpec")
        // volumeClaimTemplates carries no patch strategy: it is atomic.
        statefulSetSpec.set("volumeClaimTemplates", .atomicList(of: persistentVolumeClaim))
        let statefulSet = objectWithSpec("StatefulSet", spec: statefulSetSpec)
        let job = objectWithSpec("Job", spec: jobSpec)
        let jobTemplate = objectWithSpec("JobTemplateSpec", spec: jobSpec)
        let cronJobSpec = MergeType("CronJobSpec")
        cronJobSpec.set("jobTemplate", .object(jobTemplate))
        let cronJob = objectWithSpec("CronJob", spec: cronJobSpec)
        let podTemplate = MergeType("PodTemplate")
        podTemplate.set("metadata", .object(objectMeta))
        podTemplate.set("template", .object(podTemplateSpec))

        let service = objectWithSpec("Service", spec: serviceSpec)
        let serviceAccount = MergeType("ServiceAccount")
        serviceAccount.set("metadata", .object(objectMeta))
        serviceAccount.set("secrets", .keyed("name"))

        func metaOnly(_ name: String) -> MergeType {
            let t = MergeType(name)
            t.set("metadata", .object(objectMeta))
            return t
        }

        kinds["/Pod"] = pod
        kinds["/PodTemplate"] = podTemplate
        kinds["apps/Deployment"] = deployment
        kinds["apps/ReplicaSet"] = replicaSet
        kinds["apps/DaemonSet"] = daemonSet
        kinds["apps/StatefulSet"] = statefulSet
        kinds["batch/Job"] = job
        kinds["batch/CronJob"] = cronJob
        kinds["/Service"] = service
        kinds["/ServiceAccount"] = serviceAccount
        kinds["/PersistentVolumeClaim"] = persistentVolumeClaim
        for name in ["ConfigMap", "Secret", "Namespace", "LimitRange", "ResourceQuota", "Endpoints", "PersistentVolume"] {
            kinds["/\(name)"] = metaOnly(name)
        }
        for name in ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"] {
            kinds["rbac.authorization.k8s.io/\(name)"] = metaOnly(name)
        }
        kinds["policy/PodDisruptionBudget"] = metaOnly("PodDisruptionBudget")
        kinds["networking.k8s.io/NetworkPolicy"] = metaOnly("NetworkPolicy")
        kinds["networking.k8s.io/Ingress"] = metaOnly("Ingress")
        kinds["autoscaling/HorizontalPodAutoscaler"] = metaOnly("HorizontalPodAutoscaler")
        kinds["storage.k8s.io/StorageClass"] = metaOnly("StorageClass")
        kinds["scheduling.k8s.io/PriorityClass"] = metaOnly("PriorityClass")
        return kinds
    }()
}
